"""Per-framework default handlers: what runs when the user module leaves
model_fn, input_fn, predict_fn or output_fn out.

    generic  the inference toolkit's base handler (container-contracts.md
             §2.4): JSON/CSV/NPY codecs; model_fn and predict_fn must be
             given.  Used for SAGELITE_FRAMEWORK values other than below.
    pytorch  sagemaker-pytorch-inference-toolkit (§2.5): TorchScript
             model.pt, tensors on CUDA when available, model(input) under
             torch.no_grad().
    sklearn  sagemaker-scikit-learn-container (§2.6): no default model_fn,
             model.predict(), sagemaker-containers CSV, and 415 / 406 for
             an unsupported Content-Type / Accept.
    xgboost  sagemaker-xgboost-container script mode: CSV and LIBSVM bodies
             to DMatrix, booster.predict().  sagelite adds a default
             model_fn (AWS's raises) that loads xgboost-model or a single
             *.json / *.ubj booster.

`error_style` says how failures become HTTP answers (transformer.py):
"it" (inference toolkit: every exception a 500 whose body is the message
and the traceback) or "sc" (sagemaker-containers: 415 / 406 from the
default codecs, other exceptions a 500).  `csv_flavour` picks the CSV codec
(encoding.py).  torch, sklearn, xgboost and numpy are imported on first
use."""
from __future__ import annotations

import os
import pickle
import tempfile
from typing import Any

from . import encoding
from .encoding import UnsupportedFormatError


class DefaultHandlers:
    """The inference toolkit's base defaults."""

    name = "generic"
    error_style = "it"
    csv_flavour = "it"

    def model_fn(self, model_dir: str) -> Any:
        raise NotImplementedError(
            "Please provide a model_fn implementation. "
            "See documentation for model_fn at https://sagemaker.readthedocs.io/")

    def input_fn(self, input_data: Any, content_type: str) -> Any:
        return encoding.decode(input_data, content_type, self.csv_flavour)

    def predict_fn(self, data: Any, model: Any) -> Any:
        raise NotImplementedError(
            "Please provide a predict_fn implementation. "
            "See documentation for predict_fn at https://sagemaker.readthedocs.io/")

    def output_fn(self, prediction: Any, accept: str) -> tuple[bytes, str]:
        """Returns (body, content type): the first type in accept with an
        encoder, so the response says which one was used."""
        return encoding.encode(prediction, accept, self.csv_flavour)


def _torch_device() -> Any:
    import torch
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class PyTorchHandlers(DefaultHandlers):
    """sagemaker-pytorch-inference-toolkit's DefaultPytorchInferenceHandler."""

    name = "pytorch"

    def model_fn(self, model_dir: str) -> Any:
        """model_dir/model.pt, else the single *.pt / *.pth file, loaded as
        TorchScript onto the device."""
        import torch
        device = _torch_device()
        path = os.path.join(model_dir, "model.pt")
        if not os.path.exists(path):
            found = sorted(f for f in os.listdir(model_dir)
                           if f.endswith((".pt", ".pth"))
                           and os.path.isfile(os.path.join(model_dir, f)))
            if len(found) != 1:
                raise ValueError(
                    "Exactly one .pth or .pt file is required for PyTorch models: "
                    f"{found}")
            path = os.path.join(model_dir, found[0])
        try:
            model = torch.jit.load(path, map_location=device)
        except RuntimeError as e:
            raise RuntimeError(
                f"Failed to load {path}. Please ensure model is saved using "
                "torchscript.") from e
        return model.to(device)

    def input_fn(self, input_data: Any, content_type: str) -> Any:
        import torch
        array = encoding.decode(input_data, content_type, self.csv_flavour)
        if encoding.media_type(content_type) in encoding.UTF8_TYPES:
            tensor = torch.FloatTensor(array)
        else:
            tensor = torch.as_tensor(array)
        return tensor.to(_torch_device())

    def predict_fn(self, data: Any, model: Any) -> Any:
        import torch
        device = _torch_device()
        with torch.no_grad():
            model = model.to(device)
            model.eval()
            return model(torch.as_tensor(data).to(device))

    def output_fn(self, prediction: Any, accept: str) -> tuple[bytes, str]:
        import torch
        if isinstance(prediction, torch.Tensor):
            prediction = prediction.detach().cpu().numpy().tolist()
        return encoding.encode(prediction, accept, self.csv_flavour)


class SKLearnHandlers(DefaultHandlers):
    """sagemaker-scikit-learn-container's serving.py defaults."""

    name = "sklearn"
    error_style = "sc"
    csv_flavour = "sc"

    def input_fn(self, input_data: Any, content_type: str) -> Any:
        import numpy as np
        if encoding.media_type(content_type) == encoding.CSV:
            return encoding.csv_to_float32_sc(input_data)
        array = encoding.decode(input_data, content_type, self.csv_flavour)
        if encoding.media_type(content_type) in encoding.UTF8_TYPES:
            return array.astype(np.float32)
        return array

    def predict_fn(self, data: Any, model: Any) -> Any:
        return model.predict(data)


LIBSVM_TYPES = ("text/libsvm", "text/x-libsvm")


class XGBoostHandlers(DefaultHandlers):
    """sagemaker-xgboost-container's script-mode user-module defaults."""

    name = "xgboost"
    csv_flavour = "sc"

    def model_fn(self, model_dir: str) -> Any:
        """xgboost-model, else the single *.json / *.ubj file: a booster
        saved with save_model, or pickled."""
        import xgboost as xgb
        path = os.path.join(model_dir, "xgboost-model")
        if not os.path.isfile(path):
            found = sorted(f for f in os.listdir(model_dir)
                           if f.endswith((".json", ".ubj"))
                           and os.path.isfile(os.path.join(model_dir, f)))
            if len(found) != 1:
                raise ValueError(
                    "Please provide a model_fn implementation: no xgboost-model "
                    f"file and not exactly one .json / .ubj file in {model_dir}: {found}")
            path = os.path.join(model_dir, found[0])
        booster = xgb.Booster()
        try:
            booster.load_model(path)
        except xgb.core.XGBoostError:
            with open(path, "rb") as f:
                booster = pickle.load(f)
        return booster

    def input_fn(self, input_data: Any, content_type: str) -> Any:
        kind = encoding.media_type(content_type)
        if kind == encoding.CSV:
            return _csv_to_dmatrix(input_data)
        if kind in LIBSVM_TYPES:
            return _libsvm_to_dmatrix(input_data)
        raise UnsupportedFormatError(kind)

    def predict_fn(self, data: Any, model: Any) -> Any:
        return model.predict(data, validate_features=False)


def _csv_to_dmatrix(data: Any) -> Any:
    """CSV without a label column; the delimiter sniffed from the first
    line, empty fields NaN (the container's csv_to_dmatrix)."""
    import csv
    import numpy as np
    import xgboost as xgb
    text = bytes(data).decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    text = text.strip("\r\n")
    try:
        delimiter = csv.Sniffer().sniff(text.split("\n", 1)[0][:512]).delimiter
    except csv.Error:
        delimiter = ","
    if delimiter.isalnum():
        delimiter = ","
    rows = [["nan" if x == "" else x for x in line.rstrip("\r").split(delimiter)]
            for line in text.split("\n")]
    return xgb.DMatrix(np.array(rows).astype(np.float64))


def _libsvm_to_dmatrix(data: Any) -> Any:
    import xgboost as xgb
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    with tempfile.NamedTemporaryFile(suffix=".libsvm") as f:
        f.write(raw)
        f.flush()
        return xgb.DMatrix(f.name + "?format=libsvm")


_BY_NAME: dict[str, type[DefaultHandlers]] = {
    "pytorch": PyTorchHandlers,
    "sklearn": SKLearnHandlers,
    "xgboost": XGBoostHandlers,
}


def for_framework(name: str) -> DefaultHandlers:
    """The defaults for SAGELITE_FRAMEWORK `name`; the generic inference
    toolkit's for any other value, including the empty string."""
    return _BY_NAME.get(name, DefaultHandlers)()
