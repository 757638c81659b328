/* The compiled kernels of detection: the same answers as their Python references, faster.
 *
 * match_scores: the loop of align.match_units over a query's units (its reference is
 * kernels.match_scores_python, which runs when this module is not built or PROVENANCE_PURE_PYTHON is set).
 * For each unit's stems, each stem's weight (capped by `weights`) is added to every window of the matched
 * text that holds it, in the stems' order, as the reference adds them, so the sums are the same doubles;
 * the windows holding at least `least` of the unit's weight are returned best first (ties to the lower
 * window), at most `per_unit` of them, as (unit, window, score, mass).
 *
 * windows: align.Profile.windows, the matched side's lookup table (reference kernels.windows_python): for
 * each stem, in the order the units first hold it, the units holding it and then, offset by n, the pairs of
 * neighbouring units (w, w + 1) one of which holds it, packed as native 4-byte integers.
 *
 * simhash: fingerprint.simhash_of's SimHash (reference: the simhash package with xxHash64 digests, which
 * fingerprint.simhash_python calls): bit b is set when the features whose xxh64 has bit b weigh more than
 * half of all features' weight. XXH64 is written out below from its specification (seed 0) and tested
 * against the xxhash package.
 * tests/test_kernels.py runs both on the corpora and asserts equal answers. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* The windows of one unit's stems at or above `floor`, best first, appended to `out` as
 * (unit, window, score, mass). `score`, `seen` and `touched` are the caller's scratch, left clean. */
static int unit_windows(PyObject *out, PyObject *unit, PyObject *stems, PyObject *weights, PyObject *windows,
                        Py_ssize_t size, double least, Py_ssize_t per_unit, Py_ssize_t longest, double *score,
                        unsigned char *seen, uint32_t *touched) {
    Py_ssize_t pos = 0, count = 0;
    PyObject *key, *value;
    int status = -1;
    double mass = 0.0;
    /* First the weights and their sum, in the dict's order, as Python's sum() adds them (3.11: plainly). */
    Py_ssize_t n_stems = PyDict_GET_SIZE(stems);
    double *weight_of = PyMem_Malloc((n_stems ? n_stems : 1) * sizeof(double));
    if (!weight_of) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t i = 0;
    while (PyDict_Next(stems, &pos, &key, &value)) {
        double weight = PyFloat_AsDouble(value);
        if (weight == -1.0 && PyErr_Occurred())
            goto done;
        if (weights != Py_None) {
            PyObject *given = PyDict_GetItemWithError(weights, key);
            if (given == NULL && PyErr_Occurred())
                goto done;
            if (given != NULL) {
                double other = PyFloat_AsDouble(given);
                if (other == -1.0 && PyErr_Occurred())
                    goto done;
                if (other < weight) /* min(weight, other): the first unless the other is smaller */
                    weight = other;
            }
        }
        weight_of[i++] = weight;
        mass += weight;
    }
    if (!mass) {
        status = 0;
        goto done;
    }
    pos = 0;
    i = 0;
    while (PyDict_Next(stems, &pos, &key, &value)) {
        double weight = weight_of[i++];
        PyObject *where = PyDict_GetItemWithError(windows, key);
        if (where == NULL) {
            if (PyErr_Occurred())
                goto clean;
            continue;
        }
        if (!PyBytes_Check(where)) {
            PyErr_SetString(PyExc_TypeError, "windows must map stems to bytes");
            goto clean;
        }
        Py_ssize_t length = PyBytes_GET_SIZE(where);
        if (length > longest)
            continue;
        const char *data = PyBytes_AS_STRING(where);
        for (Py_ssize_t at = 0; at + 4 <= length; at += 4) {
            uint32_t w;
            memcpy(&w, data + at, 4);
            if ((Py_ssize_t)w >= size) {
                PyErr_SetString(PyExc_ValueError, "a window beyond the matched text's windows");
                goto clean;
            }
            if (!seen[w]) {
                seen[w] = 1;
                touched[count++] = w;
            }
            score[w] += weight;
        }
    }
    double floor = least * mass;
    /* The best `per_unit` of the windows at or above the floor: (-score, window) ascending. */
    for (Py_ssize_t k = 0; k < per_unit; k++) {
        Py_ssize_t best = -1;
        for (Py_ssize_t t = 0; t < count; t++) {
            uint32_t w = touched[t];
            if (seen[w] != 1 || !(score[w] >= floor))
                continue;
            if (best < 0 || score[w] > score[touched[best]] ||
                (score[w] == score[touched[best]] && w < touched[best]))
                best = t;
        }
        if (best < 0)
            break;
        uint32_t w = touched[best];
        seen[w] = 2; /* taken */
        PyObject *item = Py_BuildValue("(Okdd)", unit, (unsigned long)w, score[w], mass);
        if (!item || PyList_Append(out, item) < 0) {
            Py_XDECREF(item);
            goto clean;
        }
        Py_DECREF(item);
    }
    status = 0;
clean:
    for (Py_ssize_t t = 0; t < count; t++) {
        score[touched[t]] = 0.0;
        seen[touched[t]] = 0;
    }
done:
    PyMem_Free(weight_of);
    return status;
}

static PyObject *match_scores(PyObject *self, PyObject *args) {
    PyObject *units, *weights, *windows;
    Py_ssize_t size, per_unit, longest;
    double least;
    if (!PyArg_ParseTuple(args, "O!OO!ndnn", &PyList_Type, &units, &weights, &PyDict_Type, &windows, &size,
                          &least, &per_unit, &longest))
        return NULL;
    if (weights != Py_None && !PyDict_Check(weights)) {
        PyErr_SetString(PyExc_TypeError, "weights must be a dict or None");
        return NULL;
    }
    if (size < 0 || per_unit < 0) {
        PyErr_SetString(PyExc_ValueError, "size and per_unit must not be negative");
        return NULL;
    }
    double *score = PyMem_Calloc(size ? size : 1, sizeof(double));
    uint32_t *touched = PyMem_Malloc((size ? size : 1) * sizeof(uint32_t));
    unsigned char *seen = PyMem_Calloc(size ? size : 1, 1);
    PyObject *out = PyList_New(0);
    if (!score || !touched || !seen || !out) {
        if (out)
            PyErr_NoMemory();
        Py_CLEAR(out);
        goto done;
    }
    for (Py_ssize_t u = 0; u < PyList_GET_SIZE(units); u++) {
        PyObject *pair = PyList_GET_ITEM(units, u);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 || !PyDict_Check(PyTuple_GET_ITEM(pair, 1))) {
            PyErr_SetString(PyExc_TypeError, "units must be (index, stems) pairs");
            Py_CLEAR(out);
            goto done;
        }
        if (unit_windows(out, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1), weights, windows, size,
                         least, per_unit, longest, score, seen, touched) < 0) {
            Py_CLEAR(out);
            goto done;
        }
    }
done:
    PyMem_Free(score);
    PyMem_Free(touched);
    PyMem_Free(seen);
    return out;
}

/* ------------------------------------------------------------------------------------------- windows */

/* windows(unit_stems, n) -> {stem: bytes}: unit_stems is a sequence of n iterables of stems (each unit's
 * stems, no repeats within a unit), in unit order. */
static PyObject *windows(PyObject *self, PyObject *args) {
    PyObject *units, *seq = NULL, *ids = NULL, *stems = NULL, *out = NULL;
    Py_ssize_t n;
    Py_ssize_t *unit_of = NULL, *id_of = NULL, *count = NULL, *start = NULL, *fill = NULL;
    uint32_t *packed = NULL;
    if (!PyArg_ParseTuple(args, "On", &units, &n))
        return NULL;
    seq = PySequence_Fast(units, "windows: units must be a sequence");
    if (!seq)
        return NULL;
    if (PySequence_Fast_GET_SIZE(seq) != n) {
        PyErr_SetString(PyExc_ValueError, "windows: n is not the number of units");
        goto fail;
    }
    /* Every (unit, stem) posting, with the stem's number in the order stems first appear. */
    ids = PyDict_New();
    stems = PyList_New(0);
    if (!ids || !stems)
        goto fail;
    Py_ssize_t postings = 0, capacity = 256;
    unit_of = PyMem_Malloc(capacity * sizeof(Py_ssize_t));
    id_of = PyMem_Malloc(capacity * sizeof(Py_ssize_t));
    if (!unit_of || !id_of) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t u = 0; u < n; u++) {
        PyObject *it = PyObject_GetIter(PySequence_Fast_GET_ITEM(seq, u));
        if (!it)
            goto fail;
        PyObject *stem;
        while ((stem = PyIter_Next(it))) {
            PyObject *known = PyDict_GetItemWithError(ids, stem);
            Py_ssize_t id;
            if (known) {
                id = PyLong_AsSsize_t(known);
            } else if (PyErr_Occurred()) {
                Py_DECREF(stem);
                Py_DECREF(it);
                goto fail;
            } else {
                id = PyList_GET_SIZE(stems);
                PyObject *number = PyLong_FromSsize_t(id);
                if (!number || PyDict_SetItem(ids, stem, number) < 0 || PyList_Append(stems, stem) < 0) {
                    Py_XDECREF(number);
                    Py_DECREF(stem);
                    Py_DECREF(it);
                    goto fail;
                }
                Py_DECREF(number);
            }
            Py_DECREF(stem);
            if (postings == capacity) {
                capacity *= 2;
                Py_ssize_t *a = PyMem_Realloc(unit_of, capacity * sizeof(Py_ssize_t));
                if (a)
                    unit_of = a;
                Py_ssize_t *b = a ? PyMem_Realloc(id_of, capacity * sizeof(Py_ssize_t)) : NULL;
                if (b)
                    id_of = b;
                if (!a || !b) {
                    Py_DECREF(it);
                    PyErr_NoMemory();
                    goto fail;
                }
            }
            unit_of[postings] = u;
            id_of[postings] = id;
            postings++;
        }
        Py_DECREF(it);
        if (PyErr_Occurred())
            goto fail;
    }
    /* The units of each stem, in unit order (a counting sort of the postings by stem, stable). */
    Py_ssize_t distinct = PyList_GET_SIZE(stems);
    count = PyMem_Calloc(distinct + 1, sizeof(Py_ssize_t));
    start = PyMem_Malloc((distinct + 1) * sizeof(Py_ssize_t));
    fill = PyMem_Malloc((postings ? postings : 1) * sizeof(Py_ssize_t));
    packed = PyMem_Malloc((3 * (size_t)(postings ? postings : 1)) * sizeof(uint32_t));
    if (!count || !start || !fill || !packed) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t k = 0; k < postings; k++)
        count[id_of[k]]++;
    start[0] = 0;
    for (Py_ssize_t d = 0; d < distinct; d++)
        start[d + 1] = start[d] + count[d];
    for (Py_ssize_t d = 0; d < distinct; d++)
        count[d] = start[d];
    for (Py_ssize_t k = 0; k < postings; k++)
        fill[count[id_of[k]]++] = unit_of[k];
    out = PyDict_New();
    if (!out)
        goto fail;
    for (Py_ssize_t d = 0; d < distinct; d++) {
        Py_ssize_t first = start[d], last = start[d + 1], m = 0;
        for (Py_ssize_t k = first; k < last; k++)
            packed[m++] = (uint32_t)fill[k];
        /* The pairs: u - 1 for every u > 0 and u for every u + 1 < n, merged in order without repeats
         * (both runs are increasing, as the units are). */
        Py_ssize_t a = first, b = first, previous = -1;
        while (a < last || b < last) {
            Py_ssize_t left = -1, right = -1, next;
            while (a < last && fill[a] == 0)
                a++;
            while (b < last && fill[b] + 1 >= n)
                b++;
            if (a < last)
                left = fill[a] - 1;
            if (b < last)
                right = fill[b];
            if (left < 0 && right < 0)
                break;
            if (right < 0 || (left >= 0 && left <= right)) {
                next = left;
                a++;
            } else {
                next = right;
                b++;
            }
            if (next != previous) {
                packed[m++] = (uint32_t)(n + next);
                previous = next;
            }
        }
        PyObject *value = PyBytes_FromStringAndSize((const char *)packed, m * (Py_ssize_t)sizeof(uint32_t));
        if (!value || PyDict_SetItem(out, PyList_GET_ITEM(stems, d), value) < 0) {
            Py_XDECREF(value);
            goto fail;
        }
        Py_DECREF(value);
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    PyMem_Free(unit_of);
    PyMem_Free(id_of);
    PyMem_Free(count);
    PyMem_Free(start);
    PyMem_Free(fill);
    PyMem_Free(packed);
    Py_XDECREF(ids);
    Py_XDECREF(stems);
    Py_XDECREF(seq);
    return out;
}

/* ------------------------------------------------------------------------------------------- simhash */

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t read64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}
static inline uint64_t read32(const unsigned char *p) {
    return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) | ((uint64_t)p[3] << 24);
}
static inline uint64_t xxh_round(uint64_t acc, uint64_t input) { return rotl64(acc + input * P2, 31) * P1; }
static inline uint64_t xxh_merge(uint64_t acc, uint64_t value) { return (acc ^ xxh_round(0, value)) * P1 + P4; }

/* XXH64 with seed 0 (the xxhash package's xxh64 default), little-endian reads as the specification says. */
static uint64_t xxh64(const unsigned char *p, size_t len) {
    const unsigned char *end = p + len;
    uint64_t h;
    if (len >= 32) {
        uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = (uint64_t)0 - P1;
        const unsigned char *limit = end - 32;
        do {
            v1 = xxh_round(v1, read64(p));
            v2 = xxh_round(v2, read64(p + 8));
            v3 = xxh_round(v3, read64(p + 16));
            v4 = xxh_round(v4, read64(p + 24));
            p += 32;
        } while (p <= limit);
        h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
        h = xxh_merge(h, v1);
        h = xxh_merge(h, v2);
        h = xxh_merge(h, v3);
        h = xxh_merge(h, v4);
    } else {
        h = P5;
    }
    h += (uint64_t)len;
    while (p + 8 <= end) {
        h ^= xxh_round(0, read64(p));
        h = rotl64(h, 27) * P1 + P4;
        p += 8;
    }
    if (p + 4 <= end) {
        h ^= read32(p) * P1;
        h = rotl64(h, 23) * P2 + P3;
        p += 4;
    }
    while (p < end) {
        h ^= (uint64_t)(*p) * P5;
        h = rotl64(h, 11) * P1;
        p++;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

/* xxh64(text) -> int: the XXH64 of the text's UTF-8, for the tests to hold against the xxhash package. */
static PyObject *xxh64_of(PyObject *self, PyObject *args) {
    const char *data;
    Py_ssize_t len;
    if (!PyArg_ParseTuple(args, "s#", &data, &len))
        return NULL;
    return PyLong_FromUnsignedLongLong(xxh64((const unsigned char *)data, (size_t)len));
}

/* simhash(features, weights) -> int: features a sequence of str; weights None (each weighs 1) or a
 * sequence of non-negative ints, one per feature. */
static PyObject *simhash(PyObject *self, PyObject *args) {
    PyObject *features, *weights, *fs = NULL, *ws = NULL, *result = NULL;
    int64_t sums[64] = {0};
    int64_t total = 0;
    if (!PyArg_ParseTuple(args, "OO", &features, &weights))
        return NULL;
    fs = PySequence_Fast(features, "simhash: features must be a sequence");
    if (!fs)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fs);
    if (weights != Py_None) {
        ws = PySequence_Fast(weights, "simhash: weights must be a sequence");
        if (!ws)
            goto done;
        if (PySequence_Fast_GET_SIZE(ws) != n) {
            PyErr_SetString(PyExc_ValueError, "simhash: one weight per feature");
            goto done;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t len;
        const char *data = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fs, i), &len);
        if (!data)
            goto done;
        int64_t w = 1;
        if (ws) {
            long long given = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(ws, i));
            if (given == -1 && PyErr_Occurred())
                goto done;
            if (given < 0) {
                PyErr_SetString(PyExc_ValueError, "simhash: a negative weight");
                goto done;
            }
            w = (int64_t)given;
        }
        uint64_t h = xxh64((const unsigned char *)data, (size_t)len);
        total += w;
        for (int b = 0; b < 64; b++)
            sums[b] += (int64_t)((h >> b) & 1) * w;
    }
    uint64_t value = 0;
    for (int b = 0; b < 64; b++)
        if (2 * sums[b] > total)
            value |= (uint64_t)1 << b;
    result = PyLong_FromUnsignedLongLong(value);
done:
    Py_XDECREF(ws);
    Py_DECREF(fs);
    return result;
}

static PyMethodDef methods[] = {
    {"match_scores", match_scores, METH_VARARGS,
     "match_scores(units, weights, windows, size, least, per_unit, longest) -> [(unit, window, score, mass)]"},
    {"windows", windows, METH_VARARGS, "windows(unit_stems, n) -> {stem: packed windows}"},
    {"simhash", simhash, METH_VARARGS, "simhash(features, weights) -> 64-bit SimHash over xxh64"},
    {"xxh64", xxh64_of, METH_VARARGS, "xxh64(text) -> XXH64 of its UTF-8, seed 0"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels", "Compiled kernels of detection.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
