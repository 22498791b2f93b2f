#!/usr/bin/env python3
"""Seeds a running gateway with PATIENTS patients and CAREPLANS care plans
through transaction Bundles, and writes the ids it created to OUT_DIR."""
import json, sys, urllib.request, uuid, random

base, patients, careplans, out_dir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
headers = {"Content-Type": "application/fhir+json"}
for h in sys.argv[5:]:
    k, v = h.split(":", 1)
    headers[k.strip()] = v.strip()

def post(bundle):
    req = urllib.request.Request(base + "/", data=json.dumps(bundle).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req) as r:
        return json.load(r)

def ids_from(resp):
    return [e["response"]["location"].split("/")[-3] for e in resp["entry"]]

rng = random.Random(42)
patient_ids = []
for start in range(0, patients, 500):
    entries = []
    for i in range(start, min(patients, start + 500)):
        entries.append({"resource": {"resourceType": "Patient", "gender": rng.choice(["male", "female"]),
                                     "birthDate": f"{rng.randint(1925, 1990)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                                     "name": [{"family": f"Bench{i}", "given": ["Test"]}]},
                        "request": {"method": "POST", "url": "Patient"}})
    patient_ids += ids_from(post({"resourceType": "Bundle", "type": "transaction", "entry": entries}))

careplan_ids = []
for start in range(0, careplans, 500):
    entries = []
    for i in range(start, min(careplans, start + 500)):
        pid = patient_ids[i % len(patient_ids)]
        entries.append({"resource": {"resourceType": "CarePlan", "status": rng.choice(["active", "completed"]),
                                     "intent": "plan", "title": f"Care and escalation plan {i}",
                                     "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "734163000"}]}],
                                     "description": "Frailty support: weekly check-in call, falls prevention, medication review.",
                                     "subject": {"reference": f"Patient/{pid}"},
                                     "period": {"start": f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"},
                                     "activity": [{"detail": {"status": "in-progress", "description": "Weekly call"}}]},
                        "request": {"method": "POST", "url": "CarePlan"}})
    careplan_ids += ids_from(post({"resourceType": "Bundle", "type": "transaction", "entry": entries}))

open(f"{out_dir}/patients.txt", "w").write("\n".join(patient_ids) + "\n")
open(f"{out_dir}/careplans.txt", "w").write("\n".join(careplan_ids) + "\n")
print(f"seeded {len(patient_ids)} patients, {len(careplan_ids)} care plans")
