#!/usr/bin/env python3
"""Seeds a development-mode gateway with governed demo-like data for the
governance benchmark: PATIENTS patients across three practices, each with a
verified NHS number, a consent permit and one CarePlan; writes the ids to
OUT_DIR. Usage: seed_governed.py BASE_URL PATIENTS OUT_DIR"""
import json, random, sys, urllib.request

base, patients, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
CONTROLLER = "https://fhir-gateway.org.uk/CodeSystem/controller"
PRACTICES = ["Y90001", "Y90002", "Y99999"]
VERIFIED = {"url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus",
            "valueCodeableConcept": {"coding": [{"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland", "code": "01"}]}}

def nhs_number(i):
    while True:
        digits = [int(c) for c in f"9{i:08d}"[-9:]]
        check = 11 - sum(d * (10 - k) for k, d in enumerate(digits)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)
        i += 7_000_001

def post(bundle):
    req = urllib.request.Request(base + "/", data=json.dumps(bundle).encode(),
                                 headers={"Content-Type": "application/fhir+json"}, method="POST")
    with urllib.request.urlopen(req) as r:
        return json.load(r)

rng = random.Random(7)
patient_ids, careplan_ids = [], []
for start in range(0, patients, 250):
    entries = []
    for i in range(start, min(patients, start + 250)):
        org = PRACTICES[i % 3]
        meta = {"tag": [{"system": CONTROLLER, "code": org}]}
        pid = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
        entries.append({"fullUrl": pid, "request": {"method": "POST", "url": "Patient"}, "resource": {
            "resourceType": "Patient", "meta": meta, "gender": rng.choice(["male", "female"]),
            "birthDate": f"{rng.randint(1925, 1955)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "name": [{"family": f"Bench{i}", "given": ["Test"]}],
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs_number(1000 + i), "extension": [VERIFIED]}]}})
        entries.append({"request": {"method": "POST", "url": "Consent"}, "resource": {
            "resourceType": "Consent", "meta": meta, "status": "active",
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
            "category": [{"coding": [{"system": "http://read.info/readv2", "code": "9Nd7."}]}],
            "patient": {"reference": pid}, "dateTime": "2025-01-02T10:00:00+00:00",
            "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
            "provision": {"type": "permit"}}})
        entries.append({"request": {"method": "POST", "url": "CarePlan"}, "resource": {
            "resourceType": "CarePlan", "meta": meta, "status": "active", "intent": "plan",
            "title": "Care and escalation plan",
            "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "734163000", "display": "Care plan"}]}],
            "description": "Frailty support: weekly check-in call, falls prevention, medication review.",
            "note": [{"text": "Practice-only note"}],
            "subject": {"reference": pid}, "period": {"start": "2025-02-01"}}})
    resp = post({"resourceType": "Bundle", "type": "transaction", "entry": entries})
    for e in resp["entry"]:
        loc = e["response"]["location"].split("/")
        (patient_ids if loc[-4] == "Patient" else careplan_ids if loc[-4] == "CarePlan" else []).append(loc[-3])

open(f"{out_dir}/patients.txt", "w").write("\n".join(patient_ids) + "\n")
open(f"{out_dir}/careplans.txt", "w").write("\n".join(careplan_ids) + "\n")
print(f"seeded {len(patient_ids)} patients with consents and {len(careplan_ids)} care plans")
