"""The first cell of every course notebook, unmodified: Session(),
get_execution_role(), default_bucket(), upload_data().  Run by
tests/integration/test_sdk_env.py in each SDK venv after `sagelite env`;
prints one JSON line with what the SDK returned and any blocked attempt to
reach a non-local host."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netguard  # noqa: E402  (must come before the SDK)

from importlib.metadata import version  # noqa: E402

import sagemaker  # noqa: E402

if hasattr(sagemaker, "Session"):  # v1, v2
    Session, get_execution_role = sagemaker.Session, sagemaker.get_execution_role
else:  # v3 moved them into sagemaker-core
    from sagemaker.core.helper.session_helper import Session, get_execution_role

session = Session()
role = get_execution_role(session) if not hasattr(sagemaker, "Session") else get_execution_role()
bucket = session.default_bucket()
with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    f.write("0,1.5,2.5\n1,3.5,4.5\n")
uri = session.upload_data(f.name, bucket=bucket, key_prefix="sagelite-env-test")
print(json.dumps({"version": version("sagemaker"), "role": role, "bucket": bucket,
                  "uri": uri, "blocked": netguard.attempts}))
