"""Graph rewrites that let the shipped networks run at any size, in float, and in tiles.

Pure functions ``ModelProto -> ModelProto`` over the ``onnx`` protobuf (no onnxruntime here):

* :func:`dequantize` folds every ``DequantizeLinear`` of a constant into a float32 constant
  and removes the activation ``QuantizeLinear``/``DequantizeLinear`` pairs, so the int8 QDQ
  graph becomes the float network it was quantised from.
* :func:`free_spatial_dims` makes the height and width of an input symbolic, so a graph
  exported at a fixed 384x384 runs at the photo's own size (its Reshapes and Resizes are
  size-free: they reshape per-channel vectors and upsample by scale factors).
* :func:`split_norm_stats` exposes the instance-norm statistics (every spatial mean the
  network takes: GlobalAveragePool, or ReduceMean over H and W) as extra outputs
  (``mode="export"``) or replaces them by extra inputs (``mode="inject"``). Tiling runs
  the tiles with the statistics of the whole image, so tiles agree and no seam shows.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

STAT_PREFIX = "painterly_stat_"


def _consts(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    out = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for n in graph.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    out[n.output[0]] = numpy_helper.to_array(a.t)
    return out


def dequantize(model: onnx.ModelProto) -> onnx.ModelProto:
    """Turn an int8 QDQ graph into float32: constant weights dequantised, activation Q/DQ removed."""
    model = _copy(model)
    g = model.graph
    consts = _consts(g)
    alias: dict[str, str] = {}
    new_inits: list[onnx.TensorProto] = []
    keep: list[onnx.NodeProto] = []
    for n in g.node:
        if n.op_type == "DequantizeLinear" and n.input[0] in consts:
            x = consts[n.input[0]].astype(np.float32)
            scale = consts[n.input[1]].astype(np.float32)
            zp = consts[n.input[2]].astype(np.float32) if len(n.input) > 2 and n.input[2] else 0.0
            axis = next((a.i for a in n.attribute if a.name == "axis"), 1)
            if np.ndim(scale) == 1 and x.ndim > 1:
                shape = [1] * x.ndim
                shape[axis] = -1
                scale = scale.reshape(shape)
                zp = np.reshape(zp, shape) if np.ndim(zp) == 1 else zp
            new_inits.append(numpy_helper.from_array(((x - zp) * scale).astype(np.float32), n.output[0]))
        elif n.op_type in ("QuantizeLinear", "DequantizeLinear"):
            alias[n.output[0]] = n.input[0]  # activation fake-quant: pass the float through
        else:
            keep.append(n)

    def resolve(name: str) -> str:
        while name in alias:
            name = alias[name]
        return name

    for n in keep:
        for i, name in enumerate(n.input):
            n.input[i] = resolve(name)
    outputs = {o.name for o in g.output}
    for o in g.output:
        src = resolve(o.name)
        if src != o.name:  # the output was a DQ: rename its producer's output to the graph output
            for n in keep:
                for i, name in enumerate(n.output):
                    if name == src:
                        n.output[i] = o.name
                for i, name in enumerate(n.input):
                    if name == src and name not in outputs:
                        n.input[i] = o.name
    del g.node[:]
    g.node.extend(keep)
    g.initializer.extend(new_inits)
    del g.value_info[:]
    return _prune(model)


def free_spatial_dims(model: onnx.ModelProto, input_name: str, axes: tuple[int, int]) -> onnx.ModelProto:
    """Make the given axes of ``input_name`` (and of every output) symbolic: 'height', 'width'."""
    model = _copy(model)
    g = model.graph
    for vi in list(g.input) + list(g.output):
        if vi.name == input_name or vi in g.output:
            dims = vi.type.tensor_type.shape.dim
            for ax, label in zip(axes, ("height", "width")):
                if len(dims) > ax:
                    dims[ax].Clear()
                    dims[ax].dim_param = label
    del g.value_info[:]
    return model


def _is_spatial_mean(n: onnx.NodeProto, consts: dict[str, np.ndarray]) -> bool:
    if n.op_type == "GlobalAveragePool":
        return True
    if n.op_type == "ReduceMean":
        axes = next((list(a.ints) for a in n.attribute if a.name == "axes"), None)
        if axes is None and len(n.input) > 1 and n.input[1] in consts:
            axes = consts[n.input[1]].tolist()
        return sorted(axes or []) == [2, 3]
    return False


def norm_stat_names(model: onnx.ModelProto, image_input: str) -> list[str]:
    """Output names of the spatial means that depend on ``image_input``, in graph order."""
    g = model.graph
    consts = _consts(g)
    tainted = {image_input}
    names = []
    for n in g.node:
        if any(i in tainted for i in n.input):
            tainted.update(n.output)
            if _is_spatial_mean(n, consts):
                names.append(n.output[0])
    return names


def split_norm_stats(model: onnx.ModelProto, image_input: str, mode: str) -> onnx.ModelProto:
    """``export``: add every instance-norm statistic as an output; ``inject``: take them as inputs."""
    assert mode in ("export", "inject")
    model = _copy(model)
    g = model.graph
    names = norm_stat_names(model, image_input)
    if mode == "export":
        for name in names:
            g.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
        return model
    wanted = set(names)
    keep = [n for n in g.node if n.output[0] not in wanted]
    del g.node[:]
    g.node.extend(keep)
    for i, name in enumerate(names):  # one symbol per input: channel counts differ by layer
        g.input.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, [1, f"c{i}", 1, 1]))
    return _prune(model)


def _copy(model: onnx.ModelProto) -> onnx.ModelProto:
    m = onnx.ModelProto()
    m.CopyFrom(model)
    return m


def _prune(model: onnx.ModelProto) -> onnx.ModelProto:
    """Drop nodes and initializers that no graph output depends on."""
    g = model.graph
    needed = {o.name for o in g.output}
    kept = []
    for n in reversed(list(g.node)):
        if any(o in needed for o in n.output):
            kept.append(n)
            needed.update(i for i in n.input if i)
    kept.reverse()
    del g.node[:]
    g.node.extend(kept)
    inits = [i for i in g.initializer if i.name in needed]
    del g.initializer[:]
    g.initializer.extend(inits)
    return model
