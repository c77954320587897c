#!/usr/bin/env python3
"""Makes the bundled Fashion-MNIST subset from the full IDX files (stdlib only, deterministic).

Usage: python3 make_subset.py /path/to/fashion_mnist [train_per_class] [test_per_class]
Takes the first N images of each class, in file order, from train and test; keeps file order; writes gzip IDX.
"""
import gzip, struct, sys, os

def read_idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack('>HBB', data[:4])
    assert zero == 0 and dtype == 0x08, path
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return dims, data[4 + 4 * ndim:]

def write_idx(path, dims, payload):
    header = struct.pack('>HBB', 0, 0x08, len(dims)) + struct.pack('>' + 'I' * len(dims), *dims)
    with open(path, 'wb') as raw:  # mtime 0 and no file name: byte-identical output on every run
        with gzip.GzipFile(filename='', mode='wb', compresslevel=9, fileobj=raw, mtime=0) as f:
            f.write(header + payload)

def subset(src, prefix, out_prefix, per_class):
    idims, images = read_idx(os.path.join(src, prefix + '-images-idx3-ubyte.gz'))
    _, labels = read_idx(os.path.join(src, prefix + '-labels-idx1-ubyte.gz'))
    size = idims[1] * idims[2]
    taken, keep = [0] * 10, []
    for i, y in enumerate(labels):
        if taken[y] < per_class:
            taken[y] += 1
            keep.append(i)
    write_idx(out_prefix + '-images-idx3-ubyte.gz', (len(keep), idims[1], idims[2]),
              b''.join(images[i * size:(i + 1) * size] for i in keep))
    write_idx(out_prefix + '-labels-idx1-ubyte.gz', (len(keep),), bytes(labels[i] for i in keep))

if __name__ == '__main__':
    src = sys.argv[1]
    train_n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    test_n = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    here = os.path.dirname(os.path.abspath(__file__))
    subset(src, 'train', os.path.join(here, 'train'), train_n)
    subset(src, 't10k', os.path.join(here, 't10k'), test_n)
