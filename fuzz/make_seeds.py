"""Writes the fuzz targets' seeds that are not copied from the repository's own files
(fuzz/seeds/<target>/): a tiny PyTorch checkpoint in torch.save's zip layout, written with the
standard library only (a pickle naming the same globals torch does, storages by persistent id),
and a tiny ONNX model. Run once with any Python that has `onnx`; the output is committed."""
import collections, io, os, pickle, struct, sys, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds")


class Global:
    """Pickles as a reference to the global `module.name`, as torch's classes and functions do."""

    def __init__(self, module, name):
        self.__module__, self.__qualname__, self.__name__ = module, name, name

    def __call__(self, *args):
        raise TypeError("a stand-in for pickling only")

    def __reduce__(self):
        return self.__name__


class Storage:
    def __init__(self, cls, key, numel):
        self.cls, self.key, self.numel = cls, key, numel


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return (REBUILD, self.args)


REBUILD = Global("torch._utils", "_rebuild_tensor_v2")


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.cls, obj.key, "cpu", obj.numel)
        return None


def register(module, name, obj):
    mod = sys.modules.setdefault(module, type(sys)(module))
    setattr(mod, name, obj)


def write_pth(path):
    float_storage = Global("torch", "FloatStorage")
    half_storage = Global("torch", "HalfStorage")
    long_storage = Global("torch", "LongStorage")
    for g in (float_storage, half_storage, long_storage, REBUILD):
        register(g.__module__, g.__name__, g)
    s0 = Storage(float_storage, "0", 6)
    s1 = Storage(half_storage, "1", 4)
    s2 = Storage(long_storage, "2", 3)
    state = collections.OrderedDict()
    state["fc.weight"] = Tensor(s0, 0, (2, 3), (3, 1))
    state["fc.weight_t"] = Tensor(s0, 0, (3, 2), (1, 3))  # a transposed view of the same storage
    state["fc.bias"] = Tensor(s1, 1, (2,), (1,))
    state["steps"] = Tensor(s2, 0, (3,), (1,))
    state["epoch"] = 3
    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(state)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("tiny/data.pkl", buf.getvalue())
        z.writestr("tiny/data/0", struct.pack("<6f", 1, 2, 3, 4, 5, 6))
        z.writestr("tiny/data/1", struct.pack("<4e", 0.5, -1, 2, 65504))
        z.writestr("tiny/data/2", struct.pack("<3q", 1, -2, 3))
        z.writestr("tiny/version", "3\n")
    with open(os.path.join(os.path.dirname(path), "data.pkl"), "wb") as f:
        f.write(buf.getvalue())


def write_onnx(path):
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper, TensorProto

    w = numpy_helper.from_array(np.arange(8, dtype=np.float32).reshape(2, 1, 2, 2), "w")
    b = numpy_helper.from_array(np.array([0.5, -0.5], dtype=np.float32), "b")
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[2, 2], strides=[1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("Sigmoid", ["r"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 3, 3])],
        [w, b],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])
    onnx.save(model, path)


if __name__ == "__main__":
    os.makedirs(os.path.join(SEEDS, "pytorch"), exist_ok=True)
    os.makedirs(os.path.join(SEEDS, "onnx"), exist_ok=True)
    write_pth(os.path.join(SEEDS, "pytorch", "tiny.pth"))
    write_onnx(os.path.join(SEEDS, "onnx", "tiny.onnx"))
