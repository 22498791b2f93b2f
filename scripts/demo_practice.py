#!/usr/bin/env python3
"""What the demo practices do outside the gateway, on their own (generated)
SystmOne-style extracts in DEMO_DIR/extracts/<ODS>/:

  sensitive DEMO_DIR            candidates: patients with a consent permit, a
                                verified NHS number, aged 65+, on a medicine in
                                the RCGP-sensitive code set; prints
                                "NHS_NUMBER DMD_CODE ODS" per line
  withdraw DEMO_DIR NHS_NUMBER  records a consent withdrawal at the patient's
                                practice: writes a SystmOne-style delta file set
                                (SRManifest + SRCode) and prints its folder
"""
import csv, datetime, io, json, os, sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PERMIT = {"XaNwR", "9Nd7."}
WITHDRAWN = "XaNwU"  # CTV3: consent withdrawn to share patient data with specified third party (a dissent in the policy)


def rows(path):
    with open(path, encoding="cp1252", newline="") as f:
        yield from csv.DictReader(f)


def practices(demo):
    base = os.path.join(demo, "extracts")
    for ods in sorted(os.listdir(base)):
        folder = os.path.join(base, ods)
        if os.path.exists(os.path.join(folder, "SRPatient.csv")):
            yield ods, folder


def sensitive_codes():
    vs = json.load(open(os.path.join(REPO, "fhir-profiles/valuesets/rcgp-sensitive-categories.json")))
    return {c["code"] for inc in vs["compose"]["include"] if inc.get("system") == "https://dmd.nhs.uk"
            for c in inc.get("concept", [])}


def sensitive(demo):
    codes = sensitive_codes()
    today = datetime.date.today()
    for ods, folder in practices(demo):
        patients = {r["RowIdentifier"]: r for r in rows(os.path.join(folder, "SRPatient.csv"))}
        permit = {r["IDPatient"] for r in rows(os.path.join(folder, "SRCode.csv")) if r.get("CTV3Code") in PERMIT}
        for table in ("SRRepeatTemplate.csv", "SRPrimaryCareMedication.csv"):
            for r in rows(os.path.join(folder, table)):
                p = patients.get(r["IDPatient"])
                if not p or r.get("IDMultiLexDMD") not in codes or r["IDPatient"] not in permit:
                    continue
                born = datetime.datetime.strptime(p["DateBirth"][:11], "%d %b %Y").date()
                if p.get("SpineMatched") == "TRUE" and (today - born).days >= 65 * 365.25:
                    print(p["NHSNumber"], r["IDMultiLexDMD"], ods)


def withdraw(demo, nhs):
    for ods, folder in practices(demo):
        for p in rows(os.path.join(folder, "SRPatient.csv")):
            if p["NHSNumber"] != nhs:
                continue
            now = datetime.datetime.now()
            out = os.path.join(demo, "extracts", f"{ods}-delta-{now:%Y%m%d_%H%M%S}")
            os.makedirs(out)
            stamp = now.strftime("%d %b %Y %H:%M:%S")
            def write(name, header, values):
                buf = io.StringIO()
                w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
                w.writerow(header)
                w.writerows(values)
                open(os.path.join(out, name), "w", encoding="cp1252", newline="").write(buf.getvalue())
            write("SRManifest.csv", ["FileName", "IsDelta", "IsReference", "DateExtractFrom", "DateExtractTo"],
                  [["SRCode", "Y", "N", stamp, stamp]])
            write("SRCode.csv", ["RowIdentifier", "IDOrganisationVisibleTo", "DateEventRecorded", "DateEvent",
                                 "IDPatient", "CTV3Code", "CTV3Text", "RemovedData"],
                  [[str(9_100_000_000 + now.second * 1000 + now.microsecond // 1000), p["IDOrganisationVisibleTo"],
                    stamp, stamp, p["RowIdentifier"], WITHDRAWN,
                    "Consent withdrawn to share patient data with specified third party", "0"]])
            print(out)
            return
    sys.exit(f"no patient with NHS number {nhs} in the demo practices' extracts")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "sensitive":
        sensitive(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "withdraw":
        withdraw(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
