"""The Python API: convert, load, run with numpy, errors. Run by ctest (Python.pytest)."""
import os

import numpy as np
import pytest

import qinfer

DATA = os.path.join(os.environ.get("QINFER_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                    "examples", "mnist", "data")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    int8, fp32 = str(d / "m8.qbin"), str(d / "m32.qbin")
    summary = qinfer.convert(os.path.join(DATA, "mnist_cnn.onnx"), int8, calib=os.path.join(DATA, "calib_images.npy"))
    assert summary["int8_nodes"] > 0 and summary["calib_samples"] == 200
    qinfer.convert(os.path.join(DATA, "mnist_cnn.onnx"), fp32, quantize=False)
    return int8, fp32


def test_runs_the_shipped_mnist_model_with_numpy(models):
    images = np.load(os.path.join(DATA, "test_images.npy"))[:100]
    labels = np.load(os.path.join(DATA, "test_labels.npy"))[:100]
    for path in models:
        rt = qinfer.Runtime(path)
        assert rt.inputs[0]["name"] == "input"
        assert rt.inputs[0]["shape"] == ["N", 1, 28, 28]
        (logits,) = rt.run(images)
        assert logits.dtype == np.float32 and logits.shape == (100, 10)
        assert (logits.argmax(1) == labels).mean() >= 0.95
        (same,) = rt.run({"input": images})
        np.testing.assert_array_equal(logits, same)


def test_errors_raise_qinfer_error(models, tmp_path):
    rt = qinfer.Runtime(models[0])
    with pytest.raises(qinfer.Error, match="must be numpy float32, got float64"):
        rt.run(np.zeros((1, 1, 28, 28)))
    with pytest.raises(qinfer.Error, match="dimension 2 must be 28"):
        rt.run(np.zeros((1, 1, 27, 28), np.float32))
    with pytest.raises(qinfer.Error, match="no input named 'x'"):
        rt.run({"x": np.zeros((1, 1, 28, 28), np.float32)})
    with pytest.raises(qinfer.Error, match="cannot open for reading"):
        qinfer.Runtime(str(tmp_path / "missing.qbin"))
    with pytest.raises(qinfer.Error, match="needs calibration data"):
        qinfer.convert(os.path.join(DATA, "mnist_cnn.onnx"), str(tmp_path / "x.qbin"))
    assert not (tmp_path / "x.qbin").exists()


def test_version_names_the_commit():
    assert "(" in qinfer.__version__


def test_preprocess_recorded_and_applied_to_images(tmp_path):
    digits = os.path.join(os.path.dirname(DATA), "..", "classify", "data")
    spec = "channels=1,scale=1/255,mean=0.1307,std=0.3081"
    out = str(tmp_path / "pre.qbin")
    summary = qinfer.convert(os.path.join(DATA, "mnist_cnn.onnx"), out, calib=os.path.join(digits, "calib"),
                             preprocess=spec, calib_limit=5)
    assert summary["calib_samples"] == 5
    rt = qinfer.Runtime(out)
    assert "mean=0.1307" in rt.metadata["preprocess"]
    image = qinfer.read_image(os.path.join(digits, "test", "digit_00.png"))
    assert image.dtype == np.uint8 and image.shape == (28, 28, 1)
    x = rt.preprocess(image)
    assert x.shape == (1, 1, 28, 28) and x.dtype == np.float32
    np.testing.assert_allclose(x[0, 0], (image[:, :, 0] / 255.0 - 0.1307) / 0.3081, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(qinfer.preprocess(image, spec), x)
    with pytest.raises(qinfer.Error, match="order=xyz: must be rgb or bgr"):
        qinfer.preprocess(image, "order=xyz")
