/* The compiled kernels of detection: the same answers as their Python references, faster.
 *
 * match_scores: the loop of align.match_units over a query's units (its reference is
 * kernels.match_scores_python, which runs when this module is not built or PROVENANCE_PURE_PYTHON is set).
 * For each unit's stems, each stem's weight (capped by `weights`) is added to every window of the matched
 * text that holds it, in the stems' order, as the reference adds them, so the sums are the same doubles;
 * the windows holding at least `least` of the unit's weight are returned best first (ties to the lower
 * window), at most `per_unit` of them, as (unit, window, score, mass).
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

static PyMethodDef methods[] = {
    {"match_scores", match_scores, METH_VARARGS,
     "match_scores(units, weights, windows, size, least, per_unit, longest) -> [(unit, window, score, mass)]"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels", "Compiled kernels of detection.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
