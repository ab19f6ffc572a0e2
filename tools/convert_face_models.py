"""Convert mediapipe's face and selfie TFLite models to the ONNX files in painterly/faces/models.

A one-time step, done by a maintainer; nothing at run time needs it. It records how the shipped
``.onnx`` files were made, so anyone can make them again and compare the sha256
(``painterly.models.packaged`` lists both the originals' and the converted files' digests).

Run it in a throwaway virtual environment, never in painterly's own::

    python3 -m venv /tmp/conv && /tmp/conv/bin/pip install "tensorflow-cpu==2.15.1" \\
        "tf2onnx==1.16.1" "numpy<2" onnxruntime ai-edge-litert==2.3.0
    /tmp/conv/bin/pip download --no-deps --only-binary :all: mediapipe==0.10.21 -d /tmp/mp
    /tmp/conv/bin/python tools/convert_face_models.py /tmp/mp/mediapipe-0.10.21-*.whl

What it does, per model:
1. reads the ``.tflite`` file out of the mediapipe 0.10.21 wheel (Apache-2.0) and checks its
   sha256;
2. ``face_detection_full_range_sparse`` stores its weights as sparse tensors behind DENSIFY ops,
   which neither tf2onnx 1.16.1 (it cannot reshape a sparse buffer; TF's interpreter segfaults
   reading their details) nor tflite2onnx 0.4.1 (no DENSIFY op) converts, and LiteRT does not
   expose the dense weights (its preserved DENSIFY outputs read as zeros). So the sparse
   weights are expanded here (TFLite's CSR format) and written into the flatbuffer as constants
   in place of the DENSIFY ops (LiteRT's own generated flatbuffer object API);
3. tf2onnx (``from_tflite``, opset 17) converts; tflite2onnx 0.4.1 was tried first and failed
   on three of the four models (DENSIFY, HARD_SWISH, a PReLU layout). tf2onnx leaves
   selfie_segmentation's one custom op (mediapipe's Convolution2DTransposeBias) unconverted:
   it is replaced by the ONNX ConvTranspose it is (checked by the comparison below);
4. checks the ONNX file against the original: the same random inputs through LiteRT and
   onnxruntime, the largest difference printed and bounded (tests/test_faces.py does the same
   on real photos when ai-edge-litert is installed).

tf2onnx names some nodes with counters, so a second run can give other bytes (and sha256) for
the same arithmetic: compare outputs, not digests, when checking a re-run.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

# name -> (path inside the wheel, sha256 of that file in mediapipe-0.10.21 for CPython 3.11)
ORIGINALS = {
    "face_detection_short_range": (
        "mediapipe/modules/face_detection/face_detection_short_range.tflite",
        "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8"),
    "face_detection_full_range_sparse": (
        "mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite",
        "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1"),
    "face_landmark": (
        "mediapipe/modules/face_landmark/face_landmark.tflite",
        "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814"),
    "selfie_segmentation": (
        "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
        "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c"),
}
TOLERANCE = 2e-3  # largest |difference| accepted between LiteRT and onnxruntime outputs


def _dense_values(tensor, data: bytes) -> np.ndarray:
    """A sparse tflite tensor's dense array (TFLite's sparse format without block maps: each
    traversed dimension dense, or CSR with segments and indices), as TFLite's FormatConverter
    reads it. Written here because neither converter reads sparse weights (see above)."""
    sp = tensor.sparsity
    if sp.blockMap is not None and len(sp.blockMap):
        raise NotImplementedError(f"{tensor.name}: block-sparse tensors are not handled")
    dtype = {1: np.float16, 0: np.float32}[tensor.type]
    values = np.frombuffer(data, dtype)
    shape = [int(d) for d in tensor.shape]
    order = [int(k) for k in sp.traversalOrder]
    dense = np.zeros(shape, dtype)
    index = [0] * len(shape)

    def fill(level: int, pos: int) -> None:
        if level == len(order):
            dense[tuple(index)] = values[pos]
            return
        dim = sp.dimMetadata[level]
        if dim.format == 0:  # DENSE
            for i in range(dim.denseSize):
                index[order[level]] = i
                fill(level + 1, pos * dim.denseSize + i)
        else:  # SPARSE_CSR
            seg, idx = dim.arraySegments.values, dim.arrayIndices.values
            for k in range(int(seg[pos]), int(seg[pos + 1])):
                index[order[level]] = int(idx[k])
                fill(level + 1, k)

    fill(0, 0)
    return dense


def densify(tflite: bytes) -> bytes:
    """The model with every DENSIFY op replaced by its dense output as a constant."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAs(tflite, 0))
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in model.operatorCodes]
    graph = model.subgraphs[0]
    dense_ops = [op for op in graph.operators
                 if codes[op.opcodeIndex] == schema.BuiltinOperator.DENSIFY]
    if not dense_ops:
        return tflite
    for op in dense_ops:
        sparse, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
        value = _dense_values(sparse, bytes(model.buffers[sparse.buffer].data))
        buf = schema.BufferT()
        buf.data = np.frombuffer(value.tobytes(), np.uint8)
        model.buffers.append(buf)
        out.buffer = len(model.buffers) - 1
        # the sparse input is left without a reader: give it the dense weights too, so no
        # sparse tensor is left for a converter to trip on
        sparse.buffer, sparse.sparsity = out.buffer, None
    graph.operators = [op for op in graph.operators if op not in dense_ops]
    builder = flatbuffers.Builder(len(tflite) * 2)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _transpose_conv_options(tflite: bytes) -> tuple[int, int, int] | None:
    """(padding, stride_w, stride_h) of mediapipe's Convolution2DTransposeBias custom op: its
    custom options are the raw TfLiteTransposeConvParams struct (three int32)."""
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAs(tflite, 0))
    for op in model.subgraphs[0].operators:
        code = model.operatorCodes[op.opcodeIndex].customCode
        if code == b"Convolution2DTransposeBias":
            return tuple(int(v) for v in np.frombuffer(bytes(op.customOptions), np.int32)[:3])
    return None


def _replace_transpose_conv_bias(proto, options: tuple[int, int, int]) -> None:
    """tf2onnx leaves mediapipe's custom op as an unknown node; it is a transposed convolution
    plus bias (NHWC, kernel OHWI). With SAME padding and kernel == stride (selfie_segmentation's
    2x2, stride 2) it is exactly ONNX ConvTranspose with no padding, between two transposes."""
    from onnx import helper, numpy_helper

    padding, sw, sh = options
    graph = proto.graph
    node = next(n for n in graph.node if n.op_type == "TFL_Convolution2DTransposeBias")
    inits = {i.name: i for i in graph.initializer}
    kernel = numpy_helper.to_array(inits[node.input[1]])  # (out, kh, kw, in)
    if padding != 1 or kernel.shape[1:3] != (sh, sw):
        raise NotImplementedError(f"Convolution2DTransposeBias {options}, kernel {kernel.shape}")
    name = node.name or "transpose_conv_bias"
    weight = numpy_helper.from_array(np.ascontiguousarray(kernel.transpose(3, 0, 1, 2)),
                                     f"{name}/W")  # ONNX: (in, out, kh, kw)
    graph.initializer.append(weight)
    new = [
        helper.make_node("Transpose", [node.input[0]], [f"{name}/nchw"], perm=[0, 3, 1, 2]),
        helper.make_node("ConvTranspose", [f"{name}/nchw", weight.name, node.input[2]],
                         [f"{name}/out"], strides=[sh, sw], kernel_shape=list(kernel.shape[1:3])),
        helper.make_node("Transpose", [f"{name}/out"], [node.output[0]], perm=[0, 2, 3, 1]),
    ]
    at = list(graph.node).index(node)
    graph.node.remove(node)
    graph.initializer.remove(inits[node.input[1]])  # the OHWI kernel, now unused
    for k, n in enumerate(new):
        graph.node.insert(at + k, n)
    del proto.opset_import[1:]  # the custom op's domain is gone


def to_onnx(tflite: bytes, name: str) -> bytes:
    import onnx
    import tf2onnx

    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / f"{name}.tflite"
        src.write_bytes(tflite)
        proto, _ = tf2onnx.convert.from_tflite(str(src), opset=17)
    options = _transpose_conv_options(tflite)
    if options is not None:
        _replace_transpose_conv_bias(proto, options)
    onnx.checker.check_model(proto)
    proto.producer_name = "tf2onnx (tools/convert_face_models.py)"
    proto.doc_string = (f"mediapipe 0.10.21 {ORIGINALS[name][0]} (Apache-2.0), converted with "
                        "tf2onnx 1.16.1, opset 17")
    return proto.SerializeToString()


def compare(tflite: bytes, onnx_bytes: bytes, runs: int = 4) -> float:
    """Largest absolute difference of every output, LiteRT vs onnxruntime, on random inputs."""
    import onnxruntime as ort
    from ai_edge_litert.interpreter import Interpreter

    with tempfile.NamedTemporaryFile(suffix=".tflite") as f:
        f.write(tflite)
        f.flush()
        interp = Interpreter(model_path=f.name)
        interp.allocate_tensors()
        sess = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
        inp = interp.get_input_details()[0]
        outs = sorted(interp.get_output_details(), key=lambda o: o["name"])
        names = sorted(o.name for o in sess.get_outputs())
        rng = np.random.default_rng(0)
        worst = 0.0
        for _ in range(runs):
            x = rng.uniform(-1, 1, inp["shape"]).astype(np.float32)
            interp.set_tensor(inp["index"], x)
            interp.invoke()
            got = sess.run(names, {sess.get_inputs()[0].name: x})
            for o, g in zip(outs, got):
                ref = interp.get_tensor(o["index"])
                worst = max(worst, float(np.abs(ref.reshape(g.shape) - g).max()))
    return worst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("wheel", type=Path, help="mediapipe-0.10.21-cp311-...whl")
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parents[1] / "src/painterly/faces/models")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(args.wheel) as z:
        for name, (inner, sha) in ORIGINALS.items():
            tflite = z.read(inner)
            got = hashlib.sha256(tflite).hexdigest()
            if got != sha:
                print(f"{inner}: sha256 {got}, expected {sha}", file=sys.stderr)
                return 1
            dense = densify(tflite)
            onnx_bytes = to_onnx(dense, name)
            diff = compare(tflite, onnx_bytes)
            (args.out / f"{name}.onnx").write_bytes(onnx_bytes)
            print(f"{name}: tflite {len(tflite)} B sha256 {sha}\n"
                  f"  onnx {len(onnx_bytes)} B sha256 {hashlib.sha256(onnx_bytes).hexdigest()}\n"
                  f"  max |LiteRT - onnxruntime| on random input: {diff:.2e}")
            if diff > TOLERANCE:
                print(f"  differs by more than {TOLERANCE}", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
