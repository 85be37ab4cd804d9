"""TrainingJobAnalytics over a finished training job, as the course's
notebooks read training curves: run by tests/integration/test_cloudwatch.py
in .venv-sdk1 and .venv-sdk2 after `sagelite env`.

    analytics_flow.py JOB_NAME

TrainingJobAnalytics(job).dataframe() calls DescribeTrainingJob (for the
MetricDefinitions and the time range) and CloudWatch GetMetricStatistics
per metric (Dimensions TrainingJobName=<job>, Period 60, Average);
Estimator.attach(job).training_job_analytics is the estimator's way to the
same object.  Prints one JSON line: {"version", "rows": [[timestamp,
metric_name, value], ...], "attached_rows", "metric_names", "blocked"}."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netguard  # noqa: E402  (must come before the SDK)

from importlib.metadata import version  # noqa: E402

import sagemaker  # noqa: E402
from sagemaker.analytics import TrainingJobAnalytics  # noqa: E402
from sagemaker.estimator import Estimator  # noqa: E402

job = sys.argv[1]
session = sagemaker.Session()

analytics = TrainingJobAnalytics(job, sagemaker_session=session)
df = analytics.dataframe()
attached = Estimator.attach(job, sagemaker_session=session)
df2 = attached.training_job_analytics.dataframe()


def rows(frame):
    return [[float(r["timestamp"]), r["metric_name"], float(r["value"])]
            for _, r in frame.iterrows()]


print(json.dumps({
    "version": version("sagemaker"),
    "rows": rows(df),
    "attached_rows": rows(df2),
    "metric_names": analytics._metric_names,
    "blocked": netguard.attempts,
}))
