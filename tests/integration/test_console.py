"""The console endpoints under /_sagelite/ (no AWS auth)."""
import requests


def test_health_fields_and_types(daemon):
    """GET /_sagelite/health answers JSON with every documented field."""
    r = requests.get(daemon.url + "/_sagelite/health", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    h = r.json()
    assert h["status"] == "ok"
    assert isinstance(h["version"], str) and h["version"]
    assert isinstance(h["uptime_s"], (int, float)) and h["uptime_s"] >= 0
    assert h["data_dir"] == str(daemon.data_dir)
    assert isinstance(h["schema_version"], int) and h["schema_version"] >= 1
    assert isinstance(h["services"], list)
    for svc in ("s3", "sagemaker", "sagemaker-runtime", "logs", "sts"):
        assert svc in h["services"]
    assert isinstance(h["runtimes"], list)
    for rt in h["runtimes"]:
        assert isinstance(rt["name"], str) and isinstance(rt["found"], bool)
        if rt["found"]:
            assert rt["path"].startswith("/")
    assert isinstance(h["gpus"], list)
    assert isinstance(h["cpus"], int) and h["cpus"] >= 1


def test_health_reports_default_region_and_auth(daemon):
    """A daemon started without options reports us-east-1 and lenient auth."""
    h = daemon.health()
    assert h["region"] == "us-east-1"
    assert h["auth"] == "lenient"


def test_unknown_console_page_is_404_json(daemon):
    """/_sagelite/unknown answers 404 with a JSON __type."""
    r = requests.get(daemon.url + "/_sagelite/unknown", timeout=10)
    assert r.status_code == 404
    body = r.json()
    assert body["__type"] == "NotFound"
    assert "/_sagelite/unknown" in body["message"]


def test_post_to_health_is_405(daemon):
    """POST /_sagelite/health answers 405 with a JSON error."""
    r = requests.post(daemon.url + "/_sagelite/health", data=b"{}", timeout=10)
    assert r.status_code == 405
    assert r.json()["__type"] == "MethodNotAllowed"


def test_request_id_header_on_every_response(daemon):
    """Success, console error, S3 error and HEAD replies all carry
    x-amz-request-id, and each request gets its own id."""
    s = requests.Session()
    replies = [
        s.get(daemon.url + "/_sagelite/health", timeout=10),
        s.get(daemon.url + "/_sagelite/nope", timeout=10),
        s.get(daemon.url + "/", timeout=10),
        s.head(daemon.url + "/", timeout=10),
        s.post(daemon.url + "/", data=b"Action=GetCallerIdentity",
               headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10),
    ]
    ids = [r.headers.get("x-amz-request-id") for r in replies]
    assert all(ids), [dict(r.headers) for r in replies]
    assert len(set(ids)) == len(ids)
    ok = daemon.client("s3").list_buckets()
    assert ok["ResponseMetadata"]["HTTPHeaders"]["x-amz-request-id"]
