"""sagelite_serving — the framework inference server sagelite runs for
PyTorch, scikit-learn and XGBoost (script mode) endpoint instances.

One process per endpoint instance, started by the daemon as

    PYTHONPATH=<pkgdatadir>/python python3 -m sagelite_serving serve

It honours the SageMaker serving-container contract on 127.0.0.1:
GET /ping, POST /invocations, GET /execution-parameters, and runs the
user's inference handlers (model_fn, input_fn, predict_fn, output_fn or
transform_fn) with each framework toolkit's defaults.

Modules, one concern each:
    config       the environment the daemon passes (ServingEnv)
    usermodule   finding and importing the user's entry point
    encoding     the toolkits' JSON / CSV / NPY decoders and encoders
    frameworks   per-framework default handlers (PyTorch, sklearn, XGBoost)
    transformer  the handler chain for one request, and its error mapping
    server       the HTTP server and process lifecycle
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
