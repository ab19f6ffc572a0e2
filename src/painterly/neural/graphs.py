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


def s2d_kernel(w: np.ndarray) -> np.ndarray:
    """Weights of a stride-1 KxK conv rewritten for its 2x2 space-to-depth form.

    ``y = conv_K(x)`` equals ``DepthToSpace(conv_K'(SpaceToDepth(x)))`` with K' = K//2 + 1,
    4x the input and output channels (ONNX channel orders: SpaceToDepth (p, q, c), DepthToSpace
    DCR (a, b, o)) and a quarter of the positions.
    """
    cout, cin, k, _ = w.shape
    kk = k // 2 + 1
    out = np.zeros((4 * cout, 4 * cin, kk, kk), np.float32)
    for a in range(2):
        for b in range(2):
            for p in range(2):
                for q in range(2):
                    for u in range(kk):
                        for v in range(kk):
                            su, sv = 2 * u + p - a, 2 * v + q - b
                            if 0 <= su < k and 0 <= sv < k:
                                out[(a * 2 + b) * cout:(a * 2 + b + 1) * cout,
                                    (p * 2 + q) * cin:(p * 2 + q + 1) * cin, u, v] = w[:, :, su, sv]
    return out


def space_to_depth_convs(model: onnx.ModelProto, kernel: int = 9, max_out: int = 8,
                         max_in: int = 4) -> onnx.ModelProto:
    """Run large stride-1 convs with few channels as 2x2 space-to-depth convs.

    Why: onnxruntime's blocked (NCHWc) convolution computes 8 or 16 channels at a time, so a 9x9
    conv to 3 output channels (or from 3 input channels) at full resolution wastes most of its
    arithmetic. In space-to-depth form the same conv has 4x the channels at a quarter of the
    positions (exactly equal result). Inputs must have even height and width.
    """
    model = _copy(model)
    g = model.graph
    consts = {i.name: i for i in g.initializer}
    nodes = []
    for n in g.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        w = consts.get(n.input[1]) if n.op_type == "Conv" and len(n.input) > 1 else None
        ok = (w is not None and list(attrs.get("kernel_shape", [])) == [kernel, kernel]
              and list(attrs.get("strides", [1, 1])) == [1, 1] and attrs.get("group", 1) == 1
              and not any(attrs.get("pads", [0, 0, 0, 0])) and "auto_pad" not in attrs
              and list(attrs.get("dilations", [1, 1])) == [1, 1])
        if ok:
            wa = numpy_helper.to_array(w)
            ok = wa.shape[0] <= max_out or wa.shape[1] <= max_in
        if not ok:
            nodes.append(n)
            continue
        name = n.output[0]
        w2 = numpy_helper.from_array(s2d_kernel(wa), f"{name}__s2d_w")
        inputs = [f"{name}__s2d_in", w2.name]
        g.initializer.append(w2)
        if len(n.input) > 2 and n.input[2]:
            b = numpy_helper.to_array(consts[n.input[2]]).astype(np.float32)
            g.initializer.append(numpy_helper.from_array(np.tile(b, 4), f"{name}__s2d_b"))
            inputs.append(f"{name}__s2d_b")
        nodes.append(helper.make_node("SpaceToDepth", [n.input[0]], [inputs[0]], blocksize=2))
        nodes.append(helper.make_node("Conv", inputs, [f"{name}__s2d_out"],
                                      kernel_shape=[kernel // 2 + 1] * 2))
        nodes.append(helper.make_node("DepthToSpace", [f"{name}__s2d_out"], [name], blocksize=2,
                                      mode="DCR"))
    del g.node[:]
    g.node.extend(nodes)
    return _prune(model)


# phase a (0: even output rows, 1: odd) -> for each 3x3 tap u, the low-resolution tap it lands on
_SUBPIXEL_TAP = {0: (0, 1, 1), 1: (1, 1, 2)}


def subpixel_kernel(w: np.ndarray) -> np.ndarray:
    """Weights of ``conv3x3(reflect_pad1(upsample_nearest2x(x)))`` as a low-resolution
    ``conv3x3(edge_pad1(x))`` with 4x the output channels (DepthToSpace DCR order)."""
    cout, cin = w.shape[:2]
    out = np.zeros((4 * cout, cin, 3, 3), np.float32)
    for a in range(2):
        for b in range(2):
            blk = out[(a * 2 + b) * cout:(a * 2 + b + 1) * cout]
            for u in range(3):
                for v in range(3):
                    blk[:, :, _SUBPIXEL_TAP[a][u], _SUBPIXEL_TAP[b][v]] += w[:, :, u, v]
    return out


def subpixel_upsample_convs(model: onnx.ModelProto) -> onnx.ModelProto:
    """Rewrite nearest-2x Resize -> reflect Pad 1 -> Conv 3x3 as a low-resolution sub-pixel conv.

    Why: the upsampled tensor and its padded copy are the largest in the network; computing the
    four output phases at low resolution and interleaving them (DepthToSpace) gives the exact
    same result without materialising either (Shi et al. 2016 sub-pixel convolution).
    """
    model = _copy(model)
    g = model.graph
    consts = _consts(g)
    inits = {i.name: i for i in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    users: dict[str, int] = {}
    for n in g.node:
        for i in n.input:
            users[i] = users.get(i, 0) + 1
    drop, nodes = set(), []
    for n in g.node:
        if n.op_type != "Conv" or n.input[1] not in inits:
            continue
        pad = producer.get(n.input[0])
        rz = producer.get(pad.input[0]) if pad is not None and pad.op_type == "Pad" else None
        if rz is None or rz.op_type != "Resize":
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in rz.attribute}
        pattrs = {a.name: helper.get_attribute_value(a) for a in pad.attribute}
        cattrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        scales = consts.get(rz.input[2]) if len(rz.input) > 2 else None
        pads = consts.get(pad.input[1])
        if not (attrs.get("mode") == b"nearest" and scales is not None
                and scales.tolist() == [1.0, 1.0, 2.0, 2.0]
                and attrs.get("coordinate_transformation_mode") == b"asymmetric"
                and attrs.get("nearest_mode", b"round_prefer_floor") == b"floor"
                and pattrs.get("mode") == b"reflect" and pads is not None
                and pads.tolist() == [0, 0, 1, 1, 0, 0, 1, 1]
                and list(cattrs.get("kernel_shape", [])) == [3, 3]
                and list(cattrs.get("strides", [1, 1])) == [1, 1] and cattrs.get("group", 1) == 1
                and not any(cattrs.get("pads", [0, 0, 0, 0]))
                and users.get(rz.output[0]) == 1 and users.get(pad.output[0]) == 1):
            continue
        name = n.output[0]
        w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
        g.initializer.append(numpy_helper.from_array(subpixel_kernel(w), f"{name}__sp_w"))
        g.initializer.append(numpy_helper.from_array(pads, f"{name}__sp_pads"))
        conv_in = [f"{name}__sp_pad", f"{name}__sp_w"]
        if len(n.input) > 2 and n.input[2]:
            b = numpy_helper.to_array(inits[n.input[2]]).astype(np.float32)
            g.initializer.append(numpy_helper.from_array(np.tile(b, 4), f"{name}__sp_b"))
            conv_in.append(f"{name}__sp_b")
        drop.update([id(rz), id(pad)])
        nodes.append((id(n), [
            helper.make_node("Pad", [rz.input[0], f"{name}__sp_pads"], [conv_in[0]], mode="edge"),
            helper.make_node("Conv", conv_in, [f"{name}__sp_out"], kernel_shape=[3, 3]),
            helper.make_node("DepthToSpace", [f"{name}__sp_out"], [name], blocksize=2, mode="DCR"),
        ]))
    replace = dict(nodes)
    out = []
    for n in g.node:
        if id(n) in drop:
            continue
        out.extend(replace.get(id(n), [n]))
    del g.node[:]
    g.node.extend(out)
    return _prune(model)


def fuse_instance_norms(model: onnx.ModelProto) -> onnx.ModelProto:
    """Replace PyTorch's exported instance norm (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt,
    Div, Mul) followed by the conditional ``* gamma + beta`` with one InstanceNormalization.

    Why: the decomposed form writes five full-resolution temporaries per layer; the fused
    kernel reads the activation twice and writes it once. Same arithmetic (Dumoulin et al.'s
    conditional instance norm), gamma and beta still computed from the style weights.
    """
    model = _copy(model)
    g = model.graph
    consts = _consts(g)
    users: dict[str, list[onnx.NodeProto]] = {}
    for n in g.node:
        for i in n.input:
            users.setdefault(i, []).append(n)

    def only_user(name: str, op: str):
        us = users.get(name, [])
        return us[0] if len(us) == 1 and us[0].op_type == op else None

    drop: set[int] = set()
    add: dict[int, list[onnx.NodeProto]] = {}
    for n in g.node:
        if n.op_type != "ReduceMean" or not _is_spatial_mean(n, consts):
            continue
        x, mean = n.input[0], n.output[0]
        subs = [u for u in users.get(mean, []) if u.op_type == "Sub" and u.input[0] == x]
        if len(subs) != 1 or len(users.get(mean, [])) != 1:
            continue
        sub = subs[0]
        d_users = users.get(sub.output[0], [])
        pw = next((u for u in d_users if u.op_type == "Pow"), None)
        mul_d = next((u for u in d_users if u.op_type == "Mul"), None)
        if pw is None or mul_d is None or len(d_users) != 2:
            continue
        if consts.get(pw.input[1]) is None or float(consts[pw.input[1]]) != 2.0:
            continue
        var = only_user(pw.output[0], "ReduceMean")
        add_eps = var and only_user(var.output[0], "Add")
        sqrt = add_eps and only_user(add_eps.output[0], "Sqrt")
        div = sqrt and only_user(sqrt.output[0], "Div")
        if not div or consts.get(div.input[0]) is None or float(consts[div.input[0]]) != 1.0:
            continue
        eps = consts.get(add_eps.input[1])
        if eps is None or div.output[0] not in mul_d.input:
            continue
        mul_g = only_user(mul_d.output[0], "Mul")
        add_b = mul_g and only_user(mul_g.output[0], "Add")
        if not add_b:
            continue
        gamma = mul_g.input[1] if mul_g.input[0] == mul_d.output[0] else mul_g.input[0]
        beta = add_b.input[1] if add_b.input[0] == mul_g.output[0] else add_b.input[0]
        out, base = add_b.output[0], add_b.output[0] + "__in"
        flat = numpy_helper.from_array(np.array([-1], np.int64), base + "_flat")
        g.initializer.append(flat)
        drop.update(id(m) for m in (n, sub, pw, var, add_eps, sqrt, div, mul_d, mul_g))
        add[id(add_b)] = [
            helper.make_node("Reshape", [gamma, flat.name], [base + "_gamma"]),
            helper.make_node("Reshape", [beta, flat.name], [base + "_beta"]),
            helper.make_node("InstanceNormalization", [x, base + "_gamma", base + "_beta"], [out],
                             epsilon=float(eps)),
        ]
    nodes = []
    for n in g.node:
        if id(n) in drop:
            continue
        nodes.extend(add.get(id(n), [n]))
    del g.node[:]
    g.node.extend(nodes)
    return _prune(model)


def fold_constants(model: onnx.ModelProto) -> onnx.ModelProto:
    """Evaluate every node whose inputs are all constants and store its outputs as initializers.

    Why: the 26-style network computes its reflect-pad amounts with small constant subgraphs
    (ConstantOfShape, Concat, Slice, Transpose, Cast); onnxruntime folds them when it loads the
    graph, but the pattern rewrites here need the pad amounts as plain constants first. Uses
    onnx's reference evaluator, node by node (only tiny shape tensors are computed).
    """
    from onnx.reference import ReferenceEvaluator

    model = _copy(model)
    g = model.graph
    consts = _consts(g)
    keep, inits = [], []
    for n in g.node:
        if n.op_type == "Constant":
            inits.append(numpy_helper.from_array(np.asarray(consts[n.output[0]]), n.output[0]))
            continue
        if n.input and all((not i) or i in consts for i in n.input) and n.op_type not in (
                "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike"):
            feeds = {i: consts[i] for i in n.input if i}
            outs = ReferenceEvaluator(n).run(None, feeds)
            for name, v in zip(n.output, outs):
                consts[name] = np.asarray(v)
                inits.append(numpy_helper.from_array(np.asarray(v), name))
            continue
        keep.append(n)
    del g.node[:]
    g.node.extend(keep)
    have = {i.name for i in g.initializer}
    g.initializer.extend(i for i in inits if i.name not in have)
    return _prune(model)


def nhwc_io(model: onnx.ModelProto, image_input: str) -> onnx.ModelProto:
    """Take the image as NHWC (1, H, W, 3) and return NHWC, for a network that starts with a
    reflect Pad of the image.

    Why: the contract image is HxWx3; transposing it to NCHW in numpy costs a full-image copy
    per call. Here the first Pad is done in NHWC and the Transpose after it is fused by
    onnxruntime into the reorder to its blocked layout. Same numbers.
    """
    model = _copy(model)
    g = model.graph
    consts = _consts(g)
    first = [n for n in g.node if image_input in n.input]
    pads = consts.get(first[0].input[1]) if len(first) == 1 and first[0].op_type == "Pad" else None
    if pads is None or list(pads[[0, 1, 4, 5]]) != [0, 0, 0, 0]:
        raise ValueError("nhwc_io: the image must go to one spatial Pad")
    pad, out_name = first[0], g.output[0].name
    p = pads.tolist()  # NCHW order -> NHWC order
    g.initializer.append(numpy_helper.from_array(
        np.array([0, p[2], p[3], 0, 0, p[6], p[7], 0], np.int64), "nhwc__pads"))
    nodes = []
    for n in g.node:
        if n is pad:
            nodes.append(helper.make_node("Pad", [image_input, "nhwc__pads"], ["nhwc__padded"],
                                          **{a.name: helper.get_attribute_value(a) for a in pad.attribute}))
            nodes.append(helper.make_node("Transpose", ["nhwc__padded"], [pad.output[0]], perm=[0, 3, 1, 2]))
        else:
            if n.output[0] == out_name:
                n.output[0] = "nhwc__nchw_out"
            nodes.append(n)
    nodes.append(helper.make_node("Transpose", ["nhwc__nchw_out"], [out_name], perm=[0, 2, 3, 1]))
    del g.node[:]
    g.node.extend(nodes)
    for vi in list(g.input) + list(g.output):
        if vi.name in (image_input, out_name):
            vi.CopyFrom(helper.make_tensor_value_info(vi.name, onnx.TensorProto.FLOAT,
                                                      [1, "height", "width", 3]))
    del g.value_info[:]
    return _prune(model)
