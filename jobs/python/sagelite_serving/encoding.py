"""The toolkits' default decoders and encoders (container-contracts.md §2.4,
§2.6): application/json, text/csv and application/x-npy to and from numpy.

Two CSV flavours exist because the two AWS toolkits differ:
  * the inference toolkit (PyTorch, XGBoost script mode, generic) decodes
    with np.genfromtxt and encodes with np.savetxt(fmt="%s");
  * sagemaker-containers (scikit-learn) decodes with csv.reader into an
    array of strings, .squeeze()d — so one CSV row becomes 1-D — and
    encodes with csv.writer, a 1-D array one value per line.
numpy is imported on first use so that a server for a framework that does
not need it starts without it."""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Callable, Optional

JSON = "application/json"
CSV = "text/csv"
NPY = "application/x-npy"
ANY = "*/*"
# Bodies of these types reach input_fn as str, all others as bytes.
UTF8_TYPES = (JSON, CSV)


class UnsupportedFormatError(Exception):
    """A content type or accept no default decoder or encoder handles.
    The message is the inference toolkit's, word for word."""

    def __init__(self, content_type: Optional[str]) -> None:
        super().__init__(
            f"Content type {content_type} is not supported by this framework.\n\n"
            "Please implement input_fn to to deserialize the request data or an "
            "output_fn to\nserialize the response. For more information, see the "
            "SageMaker Python SDK README.")
        self.content_type = content_type


def media_type(content_type: Optional[str]) -> str:
    """'Text/CSV; charset=utf-8' -> 'text/csv'; '' for None."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_accept(accept: str) -> list[str]:
    """Media types of an Accept value, in the order given (no q= ranking,
    as the toolkit's parse_accept)."""
    return [m for m in (media_type(part) for part in accept.split(",")) if m]


# --- decoders ---------------------------------------------------------------

def json_to_numpy(text: Any, dtype: Any = None) -> Any:
    import numpy as np
    return np.array(json.loads(text), dtype=dtype)


def csv_to_numpy_it(text: Any, dtype: Any = None) -> Any:
    """Inference-toolkit CSV: np.genfromtxt(delimiter=',')."""
    import numpy as np
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8")
    return np.genfromtxt(io.StringIO(text), dtype=dtype, delimiter=",")


def _plain_csv_fields(text: str) -> Optional[tuple[list[str], int, int]]:
    """(fields, rows, columns) of a CSV text csv.reader would split on
    commas and newlines alone — no quote, CR, NUL or blank line — with the
    same number of fields on every line; None for anything else."""
    if not text or any(c in text for c in '"\r\0'):
        return None
    body = text[:-1] if text.endswith("\n") else text
    rows = body.split("\n")
    commas = rows[0].count(",")
    if (commas == 0 and "" in rows) or any(r.count(",") != commas for r in rows):
        return None
    return body.replace("\n", ",").split(","), len(rows), commas + 1


def csv_to_numpy_sc(text: Any, dtype: Any = None) -> Any:
    """sagemaker-containers CSV: csv.reader rows -> array of str, squeezed."""
    import numpy as np
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8")
    plain = _plain_csv_fields(text)
    if plain is not None:
        # The same array, several times faster on batch-sized bodies.
        fields, nrows, ncols = plain
        array = np.array(fields).reshape(nrows, ncols).squeeze()
    else:
        reader = csv.reader(io.StringIO(text), delimiter=",", quotechar='"',
                            doublequote=True, strict=True)
        array = np.array(list(reader)).squeeze()
    return array.astype(dtype) if dtype is not None else array


def csv_to_float32_sc(text: Any) -> Any:
    """csv_to_numpy_sc(text).astype(float32), what the scikit-learn
    container's default input_fn makes of CSV, without the array of str
    in between when the text is plain (see _plain_csv_fields)."""
    import numpy as np
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8")
    plain = _plain_csv_fields(text)
    if plain is None:
        return csv_to_numpy_sc(text).astype(np.float32)
    fields, nrows, ncols = plain
    return np.array(fields, dtype=np.float32).reshape(nrows, ncols).squeeze()


def npy_to_numpy(data: Any) -> Any:
    import numpy as np
    return np.load(io.BytesIO(data), allow_pickle=True)


def decode(data: Any, content_type: Optional[str], flavour: str = "it") -> Any:
    """Decode a request body of content_type into a numpy array; flavour
    "it" or "sc" picks the CSV decoder.  Raises UnsupportedFormatError."""
    kind = media_type(content_type)
    if kind == JSON:
        return json_to_numpy(data)
    if kind == CSV:
        return csv_to_numpy_sc(data) if flavour == "sc" else csv_to_numpy_it(data)
    if kind == NPY:
        return npy_to_numpy(data)
    raise UnsupportedFormatError(content_type)


# --- encoders ---------------------------------------------------------------

def array_to_json(array_like: Any) -> str:
    def default(obj: Any) -> Any:
        if hasattr(obj, "tolist"):
            return obj.tolist()
        return json.JSONEncoder().default(obj)
    return json.dumps(array_like, default=default)


def array_to_csv_it(array_like: Any) -> str:
    """Inference-toolkit CSV: np.savetxt(delimiter=',', fmt='%s')."""
    import numpy as np
    stream = io.StringIO()
    np.savetxt(stream, array_like, delimiter=",", fmt="%s")
    return stream.getvalue()


def array_to_csv_sc(array_like: Any) -> str:
    """sagemaker-containers CSV: 1-D arrays one value per line."""
    import numpy as np
    array = np.array(array_like)
    if array.ndim == 0:
        array = array.reshape(1, 1)
    elif array.ndim == 1:
        array = array.reshape(array.shape[0], 1)
    if array.ndim == 2 and array.size and array.dtype.kind in "biuf":
        # What csv.writer writes for numbers (repr for float subclasses,
        # str otherwise), without its per-row cost.
        fmt = repr if isinstance(array.flat[0], float) else str
        lines = [",".join(map(fmt, row)) for row in array] if array.shape[1] > 1 \
            else list(map(fmt, array[:, 0]))
        return "\n".join(lines) + "\n"
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n", delimiter=",",
                        quotechar='"', doublequote=True, strict=True)
    writer.writerows(array)
    return stream.getvalue()


def array_to_npy(array_like: Any) -> bytes:
    import numpy as np
    stream = io.BytesIO()
    np.save(stream, array_like)
    return stream.getvalue()


_ENCODERS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "it": {JSON: array_to_json, CSV: array_to_csv_it, NPY: array_to_npy},
    "sc": {JSON: array_to_json, CSV: array_to_csv_sc, NPY: array_to_npy},
}


def encode(prediction: Any, accept: str, flavour: str = "it") -> tuple[bytes, str]:
    """Encode prediction for the first type in accept that has an encoder.
    Returns (body, the chosen media type).  Raises UnsupportedFormatError
    naming the whole accept value when none does."""
    encoders = _ENCODERS[flavour]
    for kind in parse_accept(accept):
        encoder = encoders.get(kind)
        if encoder is not None:
            body = encoder(prediction)
            return (body.encode("utf-8") if isinstance(body, str) else body), kind
    raise UnsupportedFormatError(accept)
