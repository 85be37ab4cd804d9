"""SageMaker models, endpoint configurations, endpoints and notebook
instances through boto3: create / describe / list / delete with the fields
the SageMaker SDK reads (wire trace §10), AWS's error codes and wording,
paging, filters and sorting, tags, and the lifecycles:

* endpoint: Creating → InService → Updating → InService (new config) →
  Deleting → gone, UpdateEndpointWeightsAndCapacities, the boto3 waiter;
* notebook: Pending → InService → Stopping → Stopped → Pending → … → gone.

The daemon runs the "test" executor: deployments finish at once (on the
jobs thread, so the tests poll), and an endpoint tagged
sagelite:test-executor=hold stays Creating / Updating, which is how the
"in-progress" refusals are exercised (in a daemon of its own)."""
import datetime
import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

REGION = "us-east-1"
ROLE = "arn:aws:iam::000000000000:role/SageMakerRole"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:1.13-cpu-py39"
IMAGE2 = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
HOLD = [{"Key": "sagelite:test-executor", "Value": "hold"}]


def uniq(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def error_of(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response


def assert_error(call, code, message=None, status=400):
    err = error_of(call)
    assert err["Error"]["Code"] == code, err
    assert err["ResponseMetadata"]["HTTPStatusCode"] == status
    if message is not None:
        assert err["Error"]["Message"] == message
    return err["Error"]["Message"]


def arn_of(kind, name, account="000000000000"):
    return f"arn:aws:sagemaker:{REGION}:{account}:{kind}/{name.lower()}"


def poll(describe, until, timeout=10):
    """Call describe() until until(result) holds; returns the last result."""
    deadline = time.monotonic() + timeout
    while True:
        d = describe()
        if until(d):
            return d
        assert time.monotonic() < deadline, f"timed out; last: {d}"
        time.sleep(0.05)


def raw_bodies(client, op):
    """Collect the raw JSON bodies of client's op replies (boto3 drops
    members the model does not know, so leaks show only here)."""
    bodies = []

    def grab(http_response, **kw):
        bodies.append(json.loads(http_response.content or b"{}"))

    client.meta.events.register(f"after-call.sagemaker.{op}", grab)
    return bodies


@pytest.fixture(scope="module")
def sm(daemon):
    return daemon.client("sagemaker")


def make_model(sm, name=None, image=IMAGE, **extra):
    name = name or uniq("model")
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": image, "ModelDataUrl": "s3://b/model.tar.gz",
                                      "Environment": {"A": "1"}}, **extra)
    return name


def make_config(sm, models, name=None, **extra):
    name = name or uniq("cfg")
    variants = [{"VariantName": f"v{i}", "ModelName": m, "InitialInstanceCount": 1,
                 "InstanceType": "ml.m5.large"} for i, m in enumerate(models)]
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=variants, **extra)
    return name


def in_service(sm, name, timeout=10):
    return poll(lambda: sm.describe_endpoint(EndpointName=name),
                lambda d: d["EndpointStatus"] == "InService", timeout)


def gone_after(describe, timeout=10):
    """Poll describe() until it fails; returns the error response."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            describe()
        except ClientError as e:
            return e.response
        assert time.monotonic() < deadline, "resource still there"
        time.sleep(0.05)


def gone(sm, name):
    return gone_after(lambda: sm.describe_endpoint(EndpointName=name))


# ---- models --------------------------------------------------------------------

def test_model_create_describe_delete(sm):
    name = uniq("Model")
    vpc = {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}
    arn = sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, VpcConfig=vpc,
                          PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://b/m.tar.gz",
                                            "Environment": {"SAGEMAKER_PROGRAM": "inference.py"}},
                          Tags=[{"Key": "team", "Value": "ml"}])["ModelArn"]
    assert arn == arn_of("model", name)
    bodies = raw_bodies(sm, "DescribeModel")
    d = sm.describe_model(ModelName=name)
    assert d["ModelName"] == name and d["ModelArn"] == arn
    assert d["PrimaryContainer"] == {"Image": IMAGE, "ModelDataUrl": "s3://b/m.tar.gz",
                                     "Environment": {"SAGEMAKER_PROGRAM": "inference.py"}}
    assert d["ExecutionRoleArn"] == ROLE
    assert d["VpcConfig"] == vpc
    assert d["EnableNetworkIsolation"] is False
    assert d["CreationTime"].timestamp() > time.time() - 60
    # Neither Tags nor a LastModifiedTime (not in AWS's DescribeModel output).
    assert "Tags" not in bodies[-1] and "LastModifiedTime" not in bodies[-1]
    # Names are case-insensitive, as in AWS.
    assert sm.describe_model(ModelName=name.upper())["ModelArn"] == arn

    assert_error(lambda: make_model(sm, name), "ValidationException",
                 f'Cannot create already existing model "{arn}".')
    sm.delete_model(ModelName=name)
    assert_error(lambda: sm.describe_model(ModelName=name), "ValidationException",
                 f'Could not find model "{arn}".')
    assert_error(lambda: sm.delete_model(ModelName=name), "ValidationException",
                 f'Could not find model "{arn}".')


def test_model_with_containers_and_isolation(sm):
    name = uniq("multi")
    containers = [{"Image": IMAGE, "ContainerHostname": "first"},
                  {"Image": IMAGE2, "ContainerHostname": "second"}]
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, Containers=containers,
                    EnableNetworkIsolation=True,
                    InferenceExecutionConfig={"Mode": "Direct"})
    d = sm.describe_model(ModelName=name)
    assert d["Containers"] == containers and "PrimaryContainer" not in d
    assert d["EnableNetworkIsolation"] is True
    assert d["InferenceExecutionConfig"] == {"Mode": "Direct"}


def test_model_input_validated(sm):
    # The service model's checks run before the handler.
    assert_error(lambda: sm.create_model(ModelName="bad_name", ExecutionRoleArn=ROLE,
                                         PrimaryContainer={"Image": IMAGE}),
                 "ValidationException")


def collect(call, key, **kw):
    """Every item of a paged List* with MaxResults=2; asserts tokens."""
    items, token, pages = [], None, 0
    while True:
        args = dict(kw, MaxResults=2)
        if token:
            args["NextToken"] = token
        page = call(**args)
        assert len(page[key]) <= 2
        items += page[key]
        pages += 1
        token = page.get("NextToken")
        if not token:
            return items, pages


def test_list_models_paging_filters_sorting(sm):
    tag = uuid.uuid4().hex[:8]
    names = [make_model(sm, f"lm-{tag}-{c}") for c in "ca"]
    time.sleep(0.05)
    mark = datetime.datetime.now(datetime.timezone.utc)
    time.sleep(0.05)
    names += [make_model(sm, f"lm-{tag}-{c}") for c in "dbe"]
    items, pages = collect(sm.list_models, "Models", NameContains=tag)
    assert pages == 3
    got = [m["ModelName"] for m in items]
    assert sorted(got) == sorted(names) and len(set(got)) == 5
    # Default: CreationTime, Descending.
    assert got == names[::-1]
    for m in items:
        assert set(m) == {"ModelName", "ModelArn", "CreationTime"}
        assert m["ModelArn"] == arn_of("model", m["ModelName"])
    items, _ = collect(sm.list_models, "Models", NameContains=tag, SortBy="Name",
                       SortOrder="Ascending")
    assert [m["ModelName"] for m in items] == sorted(names)
    items, _ = collect(sm.list_models, "Models", NameContains=tag.upper(), SortBy="Name",
                       SortOrder="Descending")
    assert [m["ModelName"] for m in items] == sorted(names, reverse=True)
    items, _ = collect(sm.list_models, "Models", NameContains=tag, SortBy="CreationTime",
                       SortOrder="Ascending")
    assert [m["ModelName"] for m in items] == names
    # CreationTime filters.
    after = sm.list_models(NameContains=tag, CreationTimeAfter=mark, MaxResults=100)["Models"]
    assert {m["ModelName"] for m in after} == set(names[2:])
    before = sm.list_models(NameContains=tag, CreationTimeBefore=mark, MaxResults=100)["Models"]
    assert {m["ModelName"] for m in before} == set(names[:2])
    # A token that is not ours.
    assert_error(lambda: sm.list_models(NextToken="bogus"), "ValidationException")
    # The paginator agrees.
    pag = sm.get_paginator("list_models").paginate(NameContains=tag,
                                                    PaginationConfig={"PageSize": 2})
    assert sorted(m["ModelName"] for p in pag for m in p["Models"]) == sorted(names)


def test_model_tags(sm):
    name = make_model(sm)
    arn = sm.describe_model(ModelName=name)["ModelArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    tags = sm.list_tags(ResourceArn=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("a", "1"), ("b", "2")]
    sm.delete_tags(ResourceArn=arn, TagKeys=["a"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    sm.delete_model(ModelName=name)
    assert_error(lambda: sm.list_tags(ResourceArn=arn), "ValidationException")


# ---- endpoint configurations ------------------------------------------------

def test_endpoint_config_create_describe_delete(sm):
    m1, m2 = make_model(sm), make_model(sm, image=IMAGE2)
    name = uniq("Cfg")
    variants = [
        {"VariantName": "a", "ModelName": m1, "InitialInstanceCount": 2,
         "InstanceType": "ml.m5.xlarge", "InitialVariantWeight": 3.0},
        {"VariantName": "b", "ModelName": m2, "InitialInstanceCount": 1,
         "InstanceType": "ml.c5.large"},
    ]
    capture = {"EnableCapture": True, "InitialSamplingPercentage": 50,
               "DestinationS3Uri": "s3://b/capture",
               "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]}
    arn = sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=variants,
                                    DataCaptureConfig=capture, KmsKeyId="key-1",
                                    Tags=[{"Key": "k", "Value": "v"}])["EndpointConfigArn"]
    assert arn == arn_of("endpoint-config", name)
    bodies = raw_bodies(sm, "DescribeEndpointConfig")
    d = sm.describe_endpoint_config(EndpointConfigName=name)
    assert d["EndpointConfigName"] == name and d["EndpointConfigArn"] == arn
    assert [v["ModelName"] for v in d["ProductionVariants"]] == [m1, m2]
    assert d["ProductionVariants"][0]["InitialVariantWeight"] == 3.0
    assert d["ProductionVariants"][1]["InitialVariantWeight"] == 1.0   # AWS's default
    assert d["ProductionVariants"][0]["InstanceType"] == "ml.m5.xlarge"
    assert d["DataCaptureConfig"]["DestinationS3Uri"] == "s3://b/capture"
    assert d["KmsKeyId"] == "key-1"
    assert d["CreationTime"].timestamp() > time.time() - 60
    assert "Tags" not in bodies[-1] and "LastModifiedTime" not in bodies[-1]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]

    assert_error(lambda: make_config(sm, [m1], name), "ValidationException",
                 f'Cannot create already existing endpoint configuration "{arn}".')
    sm.delete_endpoint_config(EndpointConfigName=name)
    assert_error(lambda: sm.describe_endpoint_config(EndpointConfigName=name),
                 "ValidationException", f'Could not find endpoint configuration "{arn}".')
    assert_error(lambda: sm.delete_endpoint_config(EndpointConfigName=name),
                 "ValidationException", f'Could not find endpoint configuration "{arn}".')


def test_endpoint_config_needs_existing_models(sm):
    m1 = make_model(sm)
    missing = uniq("NoSuchModel")
    name = uniq("cfg")
    assert_error(lambda: make_config(sm, [m1, missing], name), "ValidationException",
                 f'Could not find model "{arn_of("model", missing)}".')
    # Nothing was created.
    assert_error(lambda: sm.describe_endpoint_config(EndpointConfigName=name),
                 "ValidationException")


def test_list_endpoint_configs(sm):
    tag = uuid.uuid4().hex[:8]
    m = make_model(sm)
    names = [make_config(sm, [m], f"lc-{tag}-{c}") for c in "bca"]
    items, pages = collect(sm.list_endpoint_configs, "EndpointConfigs", NameContains=tag)
    assert pages == 2
    assert [c["EndpointConfigName"] for c in items] == names[::-1]
    for c in items:
        assert set(c) == {"EndpointConfigName", "EndpointConfigArn", "CreationTime"}
    items, _ = collect(sm.list_endpoint_configs, "EndpointConfigs", NameContains=tag,
                       SortBy="Name", SortOrder="Ascending")
    assert [c["EndpointConfigName"] for c in items] == sorted(names)


# ---- endpoints -------------------------------------------------------------------

def test_endpoint_lifecycle(sm):
    m1, m2 = make_model(sm), make_model(sm, image=IMAGE2)
    cfg1 = make_config(sm, [m1])
    cfg2 = make_config(sm, [m2, m1])
    name = uniq("Ep")
    arn = sm.create_endpoint(EndpointName=name, EndpointConfigName=cfg1,
                             Tags=[{"Key": "owner", "Value": "me"}])["EndpointArn"]
    assert arn == arn_of("endpoint", name)
    first = sm.describe_endpoint(EndpointName=name)
    assert first["EndpointStatus"] in ("Creating", "InService")
    d = in_service(sm, name)
    assert d["EndpointName"] == name and d["EndpointArn"] == arn
    assert d["EndpointConfigName"] == cfg1
    assert "FailureReason" not in d
    assert d["CreationTime"] <= d["LastModifiedTime"]
    (v,) = d["ProductionVariants"]
    assert v["VariantName"] == "v0"
    assert v["CurrentWeight"] == v["DesiredWeight"] == 1.0
    assert v["CurrentInstanceCount"] == v["DesiredInstanceCount"] == 1
    (img,) = v["DeployedImages"]
    assert img["SpecifiedImage"] == IMAGE
    assert img["ResolvedImage"].startswith(IMAGE.rsplit(":", 1)[0] + "@sha256:")
    assert "ResolutionTime" in img
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "owner", "Value": "me"}]

    # Update to the second configuration.
    bodies = raw_bodies(sm, "DescribeEndpoint")
    assert sm.update_endpoint(EndpointName=name, EndpointConfigName=cfg2)["EndpointArn"] == arn
    mid = sm.describe_endpoint(EndpointName=name)
    if mid["EndpointStatus"] == "Updating":
        assert mid["PendingDeploymentSummary"]["EndpointConfigName"] == cfg2
    d = poll(lambda: sm.describe_endpoint(EndpointName=name),
             lambda d: d["EndpointStatus"] == "InService" and d["EndpointConfigName"] == cfg2)
    assert [v["VariantName"] for v in d["ProductionVariants"]] == ["v0", "v1"]
    assert d["ProductionVariants"][0]["DeployedImages"][0]["SpecifiedImage"] == IMAGE2
    assert "PendingDeploymentSummary" not in d
    for body in bodies:
        assert not [k for k in body if k.startswith("_")], body

    # Weights and capacities.
    sm.update_endpoint_weights_and_capacities(
        EndpointName=name,
        DesiredWeightsAndCapacities=[{"VariantName": "v1", "DesiredWeight": 4.0,
                                      "DesiredInstanceCount": 3}])
    d = poll(lambda: sm.describe_endpoint(EndpointName=name),
             lambda d: d["EndpointStatus"] == "InService"
             and d["ProductionVariants"][1]["CurrentInstanceCount"] == 3)
    v0, v1 = d["ProductionVariants"]
    assert v1["CurrentWeight"] == v1["DesiredWeight"] == 4.0
    assert v1["DesiredInstanceCount"] == 3
    assert v0["CurrentWeight"] == 1.0 and v0["CurrentInstanceCount"] == 1
    assert_error(lambda: sm.update_endpoint_weights_and_capacities(
        EndpointName=name, DesiredWeightsAndCapacities=[{"VariantName": "nope",
                                                         "DesiredWeight": 1.0}]),
        "ValidationException",
        f'The variant name(s) "nope" is/are not present within endpoint configuration "{cfg2}".')

    # Deleting the configuration in use is allowed (as in AWS).
    sm.delete_endpoint_config(EndpointConfigName=cfg1)

    # Delete: Deleting, then gone.
    sm.delete_endpoint(EndpointName=name)
    err = gone(sm, name)
    assert err["Error"]["Code"] == "ValidationException"
    assert err["Error"]["Message"] == f'Could not find endpoint "{arn}".'
    assert_error(lambda: sm.delete_endpoint(EndpointName=name), "ValidationException",
                 f'Could not find endpoint "{arn}".')
    # Its tags went with it.
    assert_error(lambda: sm.list_tags(ResourceArn=arn), "ValidationException")


def test_endpoint_errors(sm):
    m = make_model(sm)
    cfg = make_config(sm, [m])
    missing_cfg = uniq("NoCfg")
    name = uniq("ep")
    assert_error(lambda: sm.create_endpoint(EndpointName=name, EndpointConfigName=missing_cfg),
                 "ValidationException",
                 f'Could not find endpoint configuration "{arn_of("endpoint-config", missing_cfg)}".')
    assert_error(lambda: sm.describe_endpoint(EndpointName=name), "ValidationException",
                 f'Could not find endpoint "{arn_of("endpoint", name)}".')
    sm.create_endpoint(EndpointName=name, EndpointConfigName=cfg)
    assert_error(lambda: sm.create_endpoint(EndpointName=name, EndpointConfigName=cfg),
                 "ValidationException",
                 f'Cannot create already existing endpoint "{arn_of("endpoint", name)}".')
    in_service(sm, name)
    assert_error(lambda: sm.update_endpoint(EndpointName=name, EndpointConfigName=missing_cfg),
                 "ValidationException",
                 f'Could not find endpoint configuration "{arn_of("endpoint-config", missing_cfg)}".')
    other = uniq("ep")
    assert_error(lambda: sm.update_endpoint(EndpointName=other, EndpointConfigName=cfg),
                 "ValidationException", f'Could not find endpoint "{arn_of("endpoint", other)}".')
    assert_error(lambda: sm.update_endpoint_weights_and_capacities(
        EndpointName=other, DesiredWeightsAndCapacities=[{"VariantName": "v0",
                                                          "DesiredWeight": 1.0}]),
        "ValidationException", f'Could not find endpoint "{arn_of("endpoint", other)}".')
    sm.delete_endpoint(EndpointName=name)
    gone(sm, name)


def test_endpoint_waiter(sm):
    cfg = make_config(sm, [make_model(sm)])
    name = uniq("ep")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=cfg)
    sm.get_waiter("endpoint_in_service").wait(EndpointName=name,
                                              WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    sm.delete_endpoint(EndpointName=name)
    sm.get_waiter("endpoint_deleted").wait(EndpointName=name,
                                           WaiterConfig={"Delay": 1, "MaxAttempts": 10})


def test_list_endpoints(sm):
    tag = uuid.uuid4().hex[:8]
    cfg = make_config(sm, [make_model(sm)])
    names = [f"le-{tag}-{c}" for c in "cab"]
    for n in names:
        sm.create_endpoint(EndpointName=n, EndpointConfigName=cfg)
    for n in names:
        in_service(sm, n)
    items, pages = collect(sm.list_endpoints, "Endpoints", NameContains=tag)
    assert pages == 2
    assert [e["EndpointName"] for e in items] == names[::-1]
    for e in items:
        assert set(e) == {"EndpointName", "EndpointArn", "CreationTime", "LastModifiedTime",
                          "EndpointStatus"}
        assert e["EndpointStatus"] == "InService"
    items, _ = collect(sm.list_endpoints, "Endpoints", NameContains=tag, SortBy="Name",
                       SortOrder="Ascending")
    assert [e["EndpointName"] for e in items] == sorted(names)
    items, _ = collect(sm.list_endpoints, "Endpoints", NameContains=tag, SortBy="Status",
                       StatusEquals="InService")
    assert len(items) == 3
    assert sm.list_endpoints(NameContains=tag, StatusEquals="Creating")["Endpoints"] == []
    for n in names:
        sm.delete_endpoint(EndpointName=n)
    for n in names:
        gone(sm, n)
    assert sm.list_endpoints(NameContains=tag)["Endpoints"] == []


def test_endpoint_in_progress_refusals(start_daemon):
    """A held deployment keeps the endpoint Creating / Updating; AWS refuses
    updates and deletes meanwhile with 'Cannot update in-progress endpoint'."""
    d = start_daemon()
    sm = d.client("sagemaker")
    cfg = make_config(sm, [make_model(sm)])
    cfg2 = make_config(sm, [make_model(sm)])

    creating = uniq("ep")
    sm.create_endpoint(EndpointName=creating, EndpointConfigName=cfg, Tags=HOLD)
    msg = f'Cannot update in-progress endpoint "{arn_of("endpoint", creating)}".'
    time.sleep(0.2)
    assert sm.describe_endpoint(EndpointName=creating)["EndpointStatus"] == "Creating"
    assert_error(lambda: sm.update_endpoint(EndpointName=creating, EndpointConfigName=cfg2),
                 "ValidationException", msg)
    assert_error(lambda: sm.delete_endpoint(EndpointName=creating), "ValidationException", msg)

    updating = uniq("ep")
    arn = sm.create_endpoint(EndpointName=updating, EndpointConfigName=cfg)["EndpointArn"]
    in_service(sm, updating)
    sm.add_tags(ResourceArn=arn, Tags=HOLD)
    sm.update_endpoint(EndpointName=updating, EndpointConfigName=cfg2)
    time.sleep(0.2)
    e = sm.describe_endpoint(EndpointName=updating)
    assert e["EndpointStatus"] == "Updating"
    assert e["EndpointConfigName"] == cfg                 # still the old one
    pds = e["PendingDeploymentSummary"]
    assert pds["EndpointConfigName"] == cfg2 and "StartTime" in pds
    assert pds["ProductionVariants"][0]["InstanceType"] == "ml.m5.large"
    msg = f'Cannot update in-progress endpoint "{arn}".'
    assert_error(lambda: sm.update_endpoint(EndpointName=updating, EndpointConfigName=cfg),
                 "ValidationException", msg)
    assert_error(lambda: sm.update_endpoint_weights_and_capacities(
        EndpointName=updating, DesiredWeightsAndCapacities=[{"VariantName": "v0",
                                                             "DesiredWeight": 2.0}]),
        "ValidationException", msg)
    assert_error(lambda: sm.delete_endpoint(EndpointName=updating), "ValidationException", msg)
    assert sm.list_endpoints(StatusEquals="Updating")["Endpoints"][0]["EndpointName"] == updating


def test_update_endpoint_retain_variant_properties(sm):
    m = make_model(sm)
    cfg = make_config(sm, [m])
    cfg2 = make_config(sm, [m])
    name = uniq("ep")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=cfg)
    in_service(sm, name)
    sm.update_endpoint_weights_and_capacities(
        EndpointName=name, DesiredWeightsAndCapacities=[{"VariantName": "v0",
                                                         "DesiredWeight": 5.0,
                                                         "DesiredInstanceCount": 4}])
    poll(lambda: sm.describe_endpoint(EndpointName=name),
         lambda d: d["EndpointStatus"] == "InService"
         and d["ProductionVariants"][0]["CurrentInstanceCount"] == 4)
    sm.update_endpoint(EndpointName=name, EndpointConfigName=cfg2,
                       RetainAllVariantProperties=True,
                       ExcludeRetainedVariantProperties=[{"VariantPropertyType": "DesiredWeight"}])
    d = poll(lambda: sm.describe_endpoint(EndpointName=name),
             lambda d: d["EndpointStatus"] == "InService" and d["EndpointConfigName"] == cfg2)
    (v,) = d["ProductionVariants"]
    assert v["DesiredInstanceCount"] == v["CurrentInstanceCount"] == 4   # retained
    assert v["DesiredWeight"] == v["CurrentWeight"] == 1.0              # excluded: from cfg2
    sm.delete_endpoint(EndpointName=name)
    gone(sm, name)


def test_endpoint_data_capture_summary(sm):
    m = make_model(sm)
    cfg = uniq("cfg")
    sm.create_endpoint_config(
        EndpointConfigName=cfg,
        ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": m,
                             "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}],
        DataCaptureConfig={"InitialSamplingPercentage": 20, "DestinationS3Uri": "s3://b/c",
                           "CaptureOptions": [{"CaptureMode": "Input"}]})
    name = uniq("ep")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=cfg)
    d = in_service(sm, name)
    assert d["DataCaptureConfig"] == {"EnableCapture": True, "CaptureStatus": "Started",
                                      "CurrentSamplingPercentage": 20,
                                      "DestinationS3Uri": "s3://b/c", "KmsKeyId": ""}
    sm.delete_endpoint(EndpointName=name)
    gone(sm, name)


def test_serverless_endpoint(sm):
    m = make_model(sm)
    cfg = uniq("cfg")
    serverless = {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    sm.create_endpoint_config(EndpointConfigName=cfg, ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": m, "ServerlessConfig": serverless}])
    name = uniq("ep")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=cfg)
    (v,) = in_service(sm, name)["ProductionVariants"]
    assert v["CurrentServerlessConfig"] == v["DesiredServerlessConfig"] == serverless
    assert "CurrentInstanceCount" not in v
    sm.delete_endpoint(EndpointName=name)
    gone(sm, name)


# ---- notebook instances ---------------------------------------------------------

def nb_status(sm, name, want, timeout=10):
    return poll(lambda: sm.describe_notebook_instance(NotebookInstanceName=name),
                lambda d: d["NotebookInstanceStatus"] == want, timeout)


def test_notebook_lifecycle(sm):
    name = uniq("Nb")
    arn = sm.create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE,
        SubnetId="subnet-1", SecurityGroupIds=["sg-1"], LifecycleConfigName="lc",
        Tags=[{"Key": "t", "Value": "1"}])["NotebookInstanceArn"]
    assert arn == arn_of("notebook-instance", name)
    first = sm.describe_notebook_instance(NotebookInstanceName=name)
    assert first["NotebookInstanceStatus"] in ("Pending", "InService")
    d = nb_status(sm, name, "InService")
    assert d["NotebookInstanceName"] == name and d["NotebookInstanceArn"] == arn
    assert d["RoleArn"] == ROLE                 # get_execution_role() in SDK v1 reads it
    assert d["InstanceType"] == "ml.t3.medium"
    assert d["Url"] == f"{name}.notebook.{REGION}.sagemaker.aws"
    assert d["SubnetId"] == "subnet-1" and d["SecurityGroups"] == ["sg-1"]
    assert d["NetworkInterfaceId"].startswith("eni-")
    assert d["NotebookInstanceLifecycleConfigName"] == "lc"
    assert d["DirectInternetAccess"] == "Enabled" and d["RootAccess"] == "Enabled"
    assert d["VolumeSizeInGB"] == 5
    assert d["PlatformIdentifier"].startswith("notebook-al2")
    assert d["CreationTime"] <= d["LastModifiedTime"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "t", "Value": "1"}]

    url = sm.create_presigned_notebook_instance_url(NotebookInstanceName=name)["AuthorizedUrl"]
    assert url.startswith(f"https://{name}.notebook.{REGION}.sagemaker.aws?authToken=")
    assert len(url.split("authToken=")[1]) >= 32

    # Delete and Start while InService are refused with AWS's wording.
    assert_error(lambda: sm.delete_notebook_instance(NotebookInstanceName=name),
                 "ValidationException",
                 f"Status (InService) not in ([Stopped, Failed]). Unable to transition to "
                 f"(Deleting) for Notebook Instance ({arn}).")
    assert_error(lambda: sm.start_notebook_instance(NotebookInstanceName=name),
                 "ValidationException",
                 f"Status (InService) not in ([Stopped, Failed]). Unable to transition to "
                 f"(Pending) for Notebook Instance ({arn}).")

    sm.stop_notebook_instance(NotebookInstanceName=name)
    nb_status(sm, name, "Stopped")
    assert_error(lambda: sm.stop_notebook_instance(NotebookInstanceName=name),
                 "ValidationException",
                 f"Status (Stopped) not in ([InService]). Unable to transition to "
                 f"(Stopping) for Notebook Instance ({arn}).")
    sm.start_notebook_instance(NotebookInstanceName=name)
    nb_status(sm, name, "InService")
    sm.stop_notebook_instance(NotebookInstanceName=name)
    nb_status(sm, name, "Stopped")

    sm.delete_notebook_instance(NotebookInstanceName=name)
    err = gone_after(lambda: sm.describe_notebook_instance(NotebookInstanceName=name))
    assert err["Error"]["Code"] == "ValidationException"
    assert err["Error"]["Message"] == "RecordNotFound"
    assert_error(lambda: sm.create_presigned_notebook_instance_url(NotebookInstanceName=name),
                 "ValidationException", "RecordNotFound")
    assert_error(lambda: sm.stop_notebook_instance(NotebookInstanceName=name),
                 "ValidationException", "RecordNotFound")


def test_notebook_waiters_and_defaults(sm):
    name = uniq("nb")
    sm.create_notebook_instance(NotebookInstanceName=name, InstanceType="ml.t3.medium",
                                RoleArn=ROLE, VolumeSizeInGB=20, RootAccess="Disabled",
                                DirectInternetAccess="Disabled",
                                PlatformIdentifier="notebook-al2-v3")
    w = {"Delay": 1, "MaxAttempts": 10}
    sm.get_waiter("notebook_instance_in_service").wait(NotebookInstanceName=name, WaiterConfig=w)
    d = sm.describe_notebook_instance(NotebookInstanceName=name)
    assert d["VolumeSizeInGB"] == 20 and d["RootAccess"] == "Disabled"
    assert d["DirectInternetAccess"] == "Disabled"
    assert d["PlatformIdentifier"] == "notebook-al2-v3"
    assert "SubnetId" not in d and "NetworkInterfaceId" not in d
    sm.stop_notebook_instance(NotebookInstanceName=name)
    sm.get_waiter("notebook_instance_stopped").wait(NotebookInstanceName=name, WaiterConfig=w)
    sm.delete_notebook_instance(NotebookInstanceName=name)
    sm.get_waiter("notebook_instance_deleted").wait(NotebookInstanceName=name, WaiterConfig=w)


def test_notebook_duplicate(sm):
    name = uniq("nb")
    kw = dict(NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE)
    sm.create_notebook_instance(**kw)
    # The code and wording live in common.c's per-kind table.
    err = error_of(lambda: sm.create_notebook_instance(**kw))
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err["Error"]["Code"] in ("ResourceInUse", "ValidationException")
    assert name in err["Error"]["Message"] or name.lower() in err["Error"]["Message"]


def test_list_notebook_instances(sm):
    tag = uuid.uuid4().hex[:8]
    names = [f"ln-{tag}-{c}" for c in "bac"]
    for n in names:
        sm.create_notebook_instance(NotebookInstanceName=n, InstanceType="ml.t3.medium",
                                    RoleArn=ROLE)
    for n in names:
        nb_status(sm, n, "InService")
    sm.stop_notebook_instance(NotebookInstanceName=names[1])
    nb_status(sm, names[1], "Stopped")
    items, pages = collect(sm.list_notebook_instances, "NotebookInstances", NameContains=tag)
    assert pages == 2
    assert [n["NotebookInstanceName"] for n in items] == names[::-1]
    for n in items:
        assert {"NotebookInstanceName", "NotebookInstanceArn", "NotebookInstanceStatus", "Url",
                "InstanceType", "CreationTime", "LastModifiedTime"} <= set(n)
    items, _ = collect(sm.list_notebook_instances, "NotebookInstances", NameContains=tag,
                       SortBy="Name", SortOrder="Ascending")
    assert [n["NotebookInstanceName"] for n in items] == sorted(names)
    stopped = sm.list_notebook_instances(NameContains=tag, StatusEquals="Stopped")
    assert [n["NotebookInstanceName"] for n in stopped["NotebookInstances"]] == [names[1]]
    items, _ = collect(sm.list_notebook_instances, "NotebookInstances", NameContains=tag,
                       SortBy="Status", SortOrder="Ascending")
    assert [n["NotebookInstanceStatus"] for n in items] == ["InService", "InService", "Stopped"]
