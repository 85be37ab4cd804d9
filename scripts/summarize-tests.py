#!/usr/bin/env python3
"""summarize-tests.py — count every test case run by scripts/test.sh.

Reads cmocka logs (`[       OK ]` / `[  FAILED  ]` lines), fuzz replay logs
(one case each: the automake `:test-result:` trailer) and pytest JUnit XML,
prints a per-source table and the closing line `N passed, N failed`.
Exit status is 1 when anything failed (including steps counted by the
caller as failures)."""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    results, failed_steps = sys.argv[1], int(sys.argv[2])
    passed = failed = 0
    rows = []
    for log in sorted(glob.glob(os.path.join(results, "*-test_*.log"))):
        text = open(log, errors="replace").read()
        ok = len(re.findall(r"^\[       OK \]", text, re.M))
        bad = len(re.findall(r"^\[  FAILED  \] (?!\d+ test)", text, re.M))
        if "[  PASSED  ]" not in text and "[  FAILED  ]" not in text:
            bad += 1  # crashed before cmocka's summary
        rows.append((os.path.basename(log), ok, bad))
    for log in sorted(glob.glob(os.path.join(results, "*-replay-corpus.sh.log"))):
        text = open(log, errors="replace").read()
        good = ":test-result: PASS" in open(log.replace(".log", ".trs")).read() \
            if os.path.exists(log.replace(".log", ".trs")) else "replayed" in text
        rows.append((os.path.basename(log), int(good), int(not good)))
    for xml in sorted(glob.glob(os.path.join(results, "*-pytest.xml"))):
        root = ET.parse(xml).getroot()
        ok = bad = 0
        for case in root.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                bad += 1
            elif case.find("skipped") is None:
                ok += 1
        rows.append((os.path.basename(xml), ok, bad))
    for name, ok, bad in rows:
        print(f"  {name:40s} {ok:5d} passed {bad:4d} failed")
        passed += ok
        failed += bad
    failed += failed_steps
    if failed_steps:
        print(f"  {'(failed build/check steps)':40s} {0:5d} passed {failed_steps:4d} failed")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
