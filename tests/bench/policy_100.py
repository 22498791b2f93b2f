#!/usr/bin/env python3
"""Writes the example policy plus 98 more agreements (100 in all) for other
partners, so decisions are made against a realistically large policy.
Usage: policy_100.py EXAMPLE_POLICY OUT_POLICY"""
import sys
src, out = sys.argv[1], sys.argv[2]
text = open(src).read()
orgs, dsas = [], []
for i in range(98):
    code = f"P{i:04d}"
    orgs.append(f"  - code: {code}\n    name: Benchmark partner {i}\n    kind: {'voluntary' if i % 2 else 'statutory'}\n")
    dsas.append(f"""  - id: bench-{i}
    title: Benchmark agreement {i}
    legal_basis: benchmark
    controllers: [Y90001, Y90002, Y99999]
    partners: [{code}]
    valid_from: 2025-01-01
    valid_to: 2099-12-31
    purposes: [TREAT]
    consent_mode: implied
    resources:
      CarePlan:
        interactions: [read, search]
        exclusions: [rcgp-sensitive]
""")
text = text.replace("\norganisations:\n", "\norganisations:\n" + "".join(orgs), 1)
text = text.replace("\nagreements:\n", "\nagreements:\n" + "".join(dsas), 1)
# The example's agreements end in 2026/2027; the benchmark must not expire with them.
text = text.replace("valid_to: 2026-12-31", "valid_to: 2099-12-31").replace("valid_to: 2027-03-31", "valid_to: 2099-12-31")
open(out, "w").write(text)
