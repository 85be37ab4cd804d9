"""CloudWatch Logs (JSON 1.1, Logs_20140328.*) through boto3 and the aws CLI.

What the SageMaker SDK leans on is tested the way the SDK uses it
(wire-trace §7, gotchas 3-4): DescribeLogStreams answers nextToken only
when more streams exist, GetLogEvents always answers nextForwardToken and
its tokens are durable cursors, startTime is inclusive."""
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import clean_env

AWS = Path(sys.executable).with_name("aws")


@pytest.fixture
def logs(daemon):
    return daemon.client("logs")


@pytest.fixture
def group(logs):
    """A fresh log group; deleted afterwards."""
    name = f"/aws/sagemaker/test-{uuid.uuid4().hex[:10]}"
    logs.create_log_group(logGroupName=name)
    yield name
    try:
        logs.delete_log_group(logGroupName=name)
    except ClientError:
        pass


def now_ms():
    return int(time.time() * 1000)


def error_code(exc_info):
    return exc_info.value.response["Error"]["Code"]


def put(logs, group, stream, *events):
    """events: (timestamp, message) pairs, in order."""
    return logs.put_log_events(
        logGroupName=group, logStreamName=stream,
        logEvents=[{"timestamp": t, "message": m} for t, m in events])


# ---- groups ---------------------------------------------------------------

def test_log_group_lifecycle(logs):
    name = f"/aws/sagemaker/life-{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=name)
    with pytest.raises(ClientError) as e:
        logs.create_log_group(logGroupName=name)
    assert error_code(e) == "ResourceAlreadyExistsException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    assert [g["logGroupName"] for g in groups] == [name]
    g = groups[0]
    assert g["arn"] == f"arn:aws:logs:us-east-1:000000000000:log-group:{name}:*"
    assert g["logGroupArn"] == f"arn:aws:logs:us-east-1:000000000000:log-group:{name}"
    assert abs(g["creationTime"] - now_ms()) < 60_000
    assert g["storedBytes"] == 0
    logs.delete_log_group(logGroupName=name)
    with pytest.raises(ClientError) as e:
        logs.delete_log_group(logGroupName=name)
    assert error_code(e) == "ResourceNotFoundException"
    assert logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] == []


def test_describe_log_groups_paging(logs):
    prefix = f"/page-{uuid.uuid4().hex[:8]}/"
    names = [prefix + s for s in ("a", "b", "c")]
    for n in names:
        logs.create_log_group(logGroupName=n)
    first = logs.describe_log_groups(logGroupNamePrefix=prefix, limit=2)
    assert [g["logGroupName"] for g in first["logGroups"]] == names[:2]
    assert "nextToken" in first
    second = logs.describe_log_groups(logGroupNamePrefix=prefix, limit=2,
                                      nextToken=first["nextToken"])
    assert [g["logGroupName"] for g in second["logGroups"]] == names[2:]
    assert "nextToken" not in second
    pages = logs.get_paginator("describe_log_groups").paginate(
        logGroupNamePrefix=prefix, PaginationConfig={"PageSize": 1})
    assert [g["logGroupName"] for p in pages for g in p["logGroups"]] == names
    pattern = logs.describe_log_groups(logGroupNamePattern=prefix[1:-1].upper())
    assert sorted(g["logGroupName"] for g in pattern["logGroups"]) == names
    with pytest.raises(ClientError) as e:
        logs.describe_log_groups(logGroupNamePrefix=prefix, nextToken="not-ours")
    assert error_code(e) == "InvalidParameterException"
    for n in names:
        logs.delete_log_group(logGroupName=n)


def test_invalid_group_name(logs):
    with pytest.raises(ClientError) as e:
        logs.create_log_group(logGroupName="bad name with spaces")
    assert error_code(e) == "InvalidParameterException"


# ---- streams --------------------------------------------------------------

def test_log_stream_lifecycle(logs, group):
    with pytest.raises(ClientError) as e:
        logs.create_log_stream(logGroupName=group + "-missing", logStreamName="s")
    assert error_code(e) == "ResourceNotFoundException"
    assert e.value.response["Error"]["Message"] == "The specified log group does not exist."
    logs.create_log_stream(logGroupName=group, logStreamName="job/algo-1-1595000000")
    with pytest.raises(ClientError) as e:
        logs.create_log_stream(logGroupName=group, logStreamName="job/algo-1-1595000000")
    assert error_code(e) == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as e:
        logs.create_log_stream(logGroupName=group, logStreamName="bad:name")
    assert error_code(e) == "InvalidParameterException"
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["job/algo-1-1595000000"]
    assert streams[0]["arn"].endswith(f"log-group:{group}:log-stream:job/algo-1-1595000000")
    assert "lastEventTimestamp" not in streams[0]
    logs.delete_log_stream(logGroupName=group, logStreamName="job/algo-1-1595000000")
    with pytest.raises(ClientError) as e:
        logs.delete_log_stream(logGroupName=group, logStreamName="job/algo-1-1595000000")
    assert error_code(e) == "ResourceNotFoundException"
    assert e.value.response["Error"]["Message"] == "The specified log stream does not exist."


def test_describe_log_streams_missing_group(logs):
    """The SDK ignores exactly this error code while a job starts."""
    with pytest.raises(ClientError) as e:
        logs.describe_log_streams(logGroupName="/aws/sagemaker/NoSuchGroup",
                                  logStreamNamePrefix="job/", orderBy="LogStreamName", limit=1)
    assert error_code(e) == "ResourceNotFoundException"
    assert e.value.response["Error"]["Message"] == "The specified log group does not exist."


def test_describe_log_streams_next_token_only_when_more(logs, group):
    """v1/v2 SDKs loop forever on a nextToken they never send back."""
    for n in (1, 2, 3):
        logs.create_log_stream(logGroupName=group, logStreamName=f"job/algo-{n}-1595000000")
    first = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="job/",
                                      orderBy="LogStreamName", limit=2)
    assert [s["logStreamName"] for s in first["logStreams"]] == [
        "job/algo-1-1595000000", "job/algo-2-1595000000"]
    assert "nextToken" in first
    second = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="job/",
                                       orderBy="LogStreamName", limit=2,
                                       nextToken=first["nextToken"])
    assert [s["logStreamName"] for s in second["logStreams"]] == ["job/algo-3-1595000000"]
    assert "nextToken" not in second
    # Exactly `limit` streams, as the SDK asks (limit = instance count).
    exact = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="job/",
                                      orderBy="LogStreamName", limit=3)
    assert len(exact["logStreams"]) == 3 and "nextToken" not in exact
    one = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="job/algo-1",
                                    orderBy="LogStreamName", limit=1)
    assert len(one["logStreams"]) == 1 and "nextToken" not in one
    none = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="other/")
    assert none["logStreams"] == [] and "nextToken" not in none
    pages = list(logs.get_paginator("describe_log_streams").paginate(
        logGroupName=group, PaginationConfig={"PageSize": 1}))
    assert len(pages) == 3
    assert [s["logStreamName"] for p in pages for s in p["logStreams"]] == [
        f"job/algo-{n}-1595000000" for n in (1, 2, 3)]


def test_describe_log_streams_by_last_event_time(logs, group):
    t = now_ms()
    for name, ts in (("a", t - 3000), ("b", t - 1000), ("c", t - 2000)):
        logs.create_log_stream(logGroupName=group, logStreamName=name)
        put(logs, group, name, (ts, f"event in {name}"))
    r = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True)
    assert [s["logStreamName"] for s in r["logStreams"]] == ["b", "c", "a"]
    b = r["logStreams"][0]
    assert b["firstEventTimestamp"] == b["lastEventTimestamp"] == t - 1000
    assert b["storedBytes"] == len("event in b")
    page = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", limit=2)
    assert [s["logStreamName"] for s in page["logStreams"]] == ["a", "c"]
    rest = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", limit=2,
                                     nextToken=page["nextToken"])
    assert [s["logStreamName"] for s in rest["logStreams"]] == ["b"]
    assert "nextToken" not in rest
    with pytest.raises(ClientError) as e:
        logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime",
                                  logStreamNamePrefix="a")
    assert error_code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        logs.describe_log_streams(logGroupName=group, limit=51)
    assert error_code(e) == "InvalidParameterException"
    arn = f"arn:aws:logs:us-east-1:000000000000:log-group:{group}:*"
    by_arn = logs.describe_log_streams(logGroupIdentifier=arn)
    assert len(by_arn["logStreams"]) == 3


# ---- put / get ------------------------------------------------------------

def test_put_log_events(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    t = now_ms()
    r = put(logs, group, "s", (t, "one"), (t + 1, "two"))
    assert r["nextSequenceToken"].isdigit()
    # sequenceToken is ignored (AWS no longer requires it).
    logs.put_log_events(logGroupName=group, logStreamName="s", sequenceToken="whatever",
                        logEvents=[{"timestamp": t + 2, "message": "three"}])
    with pytest.raises(ClientError) as e:
        put(logs, group, "s", (t + 10, "late"), (t + 5, "early"))
    assert error_code(e) == "InvalidParameterException"
    assert "chronological" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        put(logs, group, "nope", (t, "x"))
    assert error_code(e) == "ResourceNotFoundException"
    assert e.value.response["Error"]["Message"] == "The specified log stream does not exist."
    with pytest.raises(ClientError) as e:
        put(logs, group + "-missing", "s", (t, "x"))
    assert error_code(e) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        put(logs, group, "s", (t, "a" * 600_000), (t, "b" * 600_000))
    assert error_code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        put(logs, group, "s", (t - 25 * 3600 * 1000, "x"), (t, "y"))
    assert error_code(e) == "InvalidParameterException"
    events = logs.get_log_events(logGroupName=group, logStreamName="s",
                                 startFromHead=True)["events"]
    assert [e["message"] for e in events] == ["one", "two", "three"]
    assert all(abs(e["ingestionTime"] - now_ms()) < 60_000 for e in events)


def test_get_log_events_timestamp_order(logs, group):
    """Batches may arrive out of order; events come back by timestamp."""
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    t = now_ms() - 10_000
    put(logs, group, "s", (t + 300, "c"), (t + 400, "d"))
    put(logs, group, "s", (t + 100, "a"), (t + 300, "c2"))
    r = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)
    assert [(e["timestamp"] - t, e["message"]) for e in r["events"]] == [
        (100, "a"), (300, "c"), (300, "c2"), (400, "d")]
    # Default (startFromHead false): the newest `limit`, still oldest first.
    tail = logs.get_log_events(logGroupName=group, logStreamName="s", limit=2)
    assert [e["message"] for e in tail["events"]] == ["c2", "d"]
    back = logs.get_log_events(logGroupName=group, logStreamName="s", limit=2,
                               nextToken=tail["nextBackwardToken"])
    assert [e["message"] for e in back["events"]] == ["a", "c"]
    end = logs.get_log_events(logGroupName=group, logStreamName="s", limit=2,
                              nextToken=back["nextBackwardToken"])
    assert end["events"] == []
    assert end["nextBackwardToken"] == back["nextBackwardToken"]


def test_get_log_events_start_time_inclusive(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    t = now_ms() - 10_000
    put(logs, group, "s", (t, "a"), (t + 1000, "b"), (t + 1000, "c"), (t + 2000, "d"))
    r = logs.get_log_events(logGroupName=group, logStreamName="s", startTime=t + 1000,
                            startFromHead=True)
    assert [e["message"] for e in r["events"]] == ["b", "c", "d"]
    r = logs.get_log_events(logGroupName=group, logStreamName="s", startTime=t + 1000,
                            endTime=t + 2000, startFromHead=True)
    assert [e["message"] for e in r["events"]] == ["b", "c"]


def test_get_log_events_cursor_is_durable(logs, group):
    """Read to the end, append, poll with nextForwardToken: only the new
    events; an empty page hands back the same token."""
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    t = now_ms()
    put(logs, group, "s", (t, "one"), (t + 1, "two"), (t + 2, "three"))
    r = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)
    assert [e["message"] for e in r["events"]] == ["one", "two", "three"]
    token = r["nextForwardToken"]
    assert token.startswith("f/") and token[2:].isdigit()
    assert r["nextBackwardToken"].startswith("b/")
    empty = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True,
                                nextToken=token)
    assert empty["events"] == []
    assert empty["nextForwardToken"] == token
    put(logs, group, "s", (t + 2, "four"), (t + 5, "five"))
    new = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True,
                              nextToken=token)
    assert [e["message"] for e in new["events"]] == ["four", "five"]
    again = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True,
                                nextToken=new["nextForwardToken"])
    assert again["events"] == [] and again["nextForwardToken"] == new["nextForwardToken"]
    # A token of another stream, or not ours at all, is refused.
    logs.create_log_stream(logGroupName=group, logStreamName="other")
    for bad in (token, "f/123", "garbage"):
        with pytest.raises(ClientError) as e:
            logs.get_log_events(logGroupName=group, logStreamName="other", nextToken=bad)
        assert error_code(e) == "InvalidParameterException"


def test_get_log_events_empty_stream_token(logs, group):
    """An empty stream still answers nextForwardToken (the SDK reads it
    unconditionally), and that token later finds the first events."""
    for head in (True, False):
        s = f"s-{head}"
        logs.create_log_stream(logGroupName=group, logStreamName=s)
        r = logs.get_log_events(logGroupName=group, logStreamName=s, startFromHead=head)
        assert r["events"] == []
        assert r["nextForwardToken"].startswith("f/")
        put(logs, group, s, (now_ms(), f"hello {head}"))
        r2 = logs.get_log_events(logGroupName=group, logStreamName=s,
                                 nextToken=r["nextForwardToken"])
        assert [e["message"] for e in r2["events"]] == [f"hello {head}"]
    with pytest.raises(ClientError) as e:
        logs.get_log_events(logGroupName=group, logStreamName="missing")
    assert error_code(e) == "ResourceNotFoundException"


def sdk_log_stream(client, group, stream, start_time=0, skip=0):
    """sagemaker.logs.log_stream, as the v1/v2 SDK has it."""
    next_token = None
    event_count = 1
    while event_count > 0:
        token_arg = {"nextToken": next_token} if next_token is not None else {}
        response = client.get_log_events(logGroupName=group, logStreamName=stream,
                                         startTime=start_time, startFromHead=True, **token_arg)
        next_token = response["nextForwardToken"]
        events = response["events"]
        event_count = len(events)
        if event_count > skip:
            events = events[skip:]
            skip = 0
        else:
            skip = skip - event_count
            events = []
        yield from events


def test_sdk_log_stream_polling(logs, group):
    """The SDK's poll: describe streams, read each until an empty page,
    resume from (last timestamp, count seen at it)."""
    stream = "job/algo-1-1595000000"
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    t = now_ms()
    put(logs, group, stream, (t, "epoch 1"), (t + 5, "epoch 2"), (t + 5, "epoch 2b"))
    seen = [e["message"] for e in sdk_log_stream(logs, group, stream)]
    assert seen == ["epoch 1", "epoch 2", "epoch 2b"]
    # Resume as the SDK does: startTime = last timestamp, skip = 2 seen there.
    put(logs, group, stream, (t + 5, "epoch 2c"), (t + 9, "done"))
    more = [e["message"] for e in sdk_log_stream(logs, group, stream, start_time=t + 5, skip=2)]
    assert more == ["epoch 2c", "done"]
    # The describe the SDK re-sends every poll never carries a token.
    d = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="job/",
                                  orderBy="LogStreamName", limit=1)
    assert "nextToken" not in d


def test_get_log_events_pages(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    t = now_ms()
    put(logs, group, "s", *[(t + i, f"line {i}") for i in range(25)])
    got, token = [], None
    while True:
        kw = {"nextToken": token} if token else {}
        r = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True,
                                limit=10, **kw)
        if not r["events"]:
            break
        got += [e["message"] for e in r["events"]]
        token = r["nextForwardToken"]
    assert got == [f"line {i}" for i in range(25)]


# ---- filter ---------------------------------------------------------------

def test_filter_log_events(logs, group):
    t = now_ms() - 60_000
    for name in ("job/algo-1", "job/algo-2", "other"):
        logs.create_log_stream(logGroupName=group, logStreamName=name)
    put(logs, group, "job/algo-1", (t, "train-loss=1.0 epoch=1"), (t + 30, "disk full now"))
    put(logs, group, "job/algo-2", (t + 10, "train-loss=0.9 epoch=1"), (t + 40, "ERROR x"))
    put(logs, group, "other", (t + 20, "train-loss=0.1 unrelated"))
    r = logs.filter_log_events(logGroupName=group, filterPattern="train-loss epoch")
    assert [(e["logStreamName"], e["message"]) for e in r["events"]] == [
        ("job/algo-1", "train-loss=1.0 epoch=1"), ("job/algo-2", "train-loss=0.9 epoch=1")]
    ev = r["events"][0]
    assert set(ev) >= {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"}
    assert "nextToken" not in r
    assert [e["message"] for e in logs.filter_log_events(
        logGroupName=group, filterPattern='"disk full"')["events"]] == ["disk full now"]
    assert logs.filter_log_events(logGroupName=group, filterPattern='"full disk"')["events"] == []
    assert len(logs.filter_log_events(logGroupName=group, logStreamNamePrefix="job/")["events"]) == 4
    only = logs.filter_log_events(logGroupName=group, logStreamNames=["other"])
    assert [e["message"] for e in only["events"]] == ["train-loss=0.1 unrelated"]
    window = logs.filter_log_events(logGroupName=group, startTime=t + 10, endTime=t + 30)
    assert [e["timestamp"] - t for e in window["events"]] == [10, 20]
    # Paging: a token only while more matches follow.
    p1 = logs.filter_log_events(logGroupName=group, limit=3)
    assert len(p1["events"]) == 3 and "nextToken" in p1
    p2 = logs.filter_log_events(logGroupName=group, limit=3, nextToken=p1["nextToken"])
    assert len(p2["events"]) == 2 and "nextToken" not in p2
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, PaginationConfig={"PageSize": 2})
    assert [e["timestamp"] - t for p in pages for e in p["events"]] == [0, 10, 20, 30, 40]
    with pytest.raises(ClientError) as e:
        logs.filter_log_events(logGroupName=group, filterPattern='{ $.level = "ERROR" }')
    assert error_code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        logs.filter_log_events(logGroupName=group + "-missing")
    assert error_code(e) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        logs.filter_log_events(logGroupName=group, logStreamNames=["a"], logStreamNamePrefix="b")
    assert error_code(e) == "InvalidParameterException"


def test_unknown_logs_operation(daemon):
    import requests
    r = requests.post(daemon.url + "/", data="{}", headers={
        "X-Amz-Target": "Logs_20140328.NoSuchThing",
        "Content-Type": "application/x-amz-json-1.1"})
    assert r.status_code in (400, 403)


# ---- the aws CLI ----------------------------------------------------------

def aws(daemon, tmp_path, *args):
    env = clean_env({
        "AWS_ENDPOINT_URL": daemon.url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    })
    return subprocess.run([str(AWS), *args], capture_output=True, text=True, env=env, timeout=60)


def test_aws_cli_logs(daemon, logs, group, tmp_path):
    """A tail-like read with `aws logs get-log-events`, following
    nextForwardToken."""
    assert AWS.exists(), f"aws CLI not found at {AWS}"
    r = aws(daemon, tmp_path, "logs", "create-log-stream", "--log-group-name", group,
            "--log-stream-name", "cli")
    assert r.returncode == 0, r.stderr
    t = now_ms()
    r = aws(daemon, tmp_path, "logs", "put-log-events", "--log-group-name", group,
            "--log-stream-name", "cli", "--log-events",
            f"timestamp={t},message=hello", f"timestamp={t + 1},message=world")
    assert r.returncode == 0, r.stderr
    r = aws(daemon, tmp_path, "logs", "get-log-events", "--log-group-name", group,
            "--log-stream-name", "cli", "--start-from-head", "--output", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [e["message"] for e in out["events"]] == ["hello", "world"]
    put(logs, group, "cli", (t + 2, "again"))
    r = aws(daemon, tmp_path, "logs", "get-log-events", "--log-group-name", group,
            "--log-stream-name", "cli", "--next-token", out["nextForwardToken"],
            "--output", "json")
    assert r.returncode == 0, r.stderr
    assert [e["message"] for e in json.loads(r.stdout)["events"]] == ["again"]
    r = aws(daemon, tmp_path, "logs", "describe-log-streams", "--log-group-name", group,
            "--output", "json")
    assert r.returncode == 0, r.stderr
    assert [s["logStreamName"] for s in json.loads(r.stdout)["logStreams"]] == ["cli"]
    r = aws(daemon, tmp_path, "logs", "filter-log-events", "--log-group-name", group,
            "--filter-pattern", "again", "--output", "json")
    assert r.returncode == 0, r.stderr
    assert [e["message"] for e in json.loads(r.stdout)["events"]] == ["again"]
