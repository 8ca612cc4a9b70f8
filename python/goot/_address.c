/*
 * goot._address: the data address of a contiguous buffer, cheaply.
 *
 * goot passes numpy arrays to its Go extension as (address, length). Reading
 * the address through numpy (arr.ctypes.data or the array interface) builds a
 * Python object per call and costs ~1.5 us, which is most of the overhead of a
 * small solve; the buffer protocol gives it in ~50 ns. The caller must keep
 * the array alive while the address is in use (see goot/_core.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *address(PyObject *self, PyObject *obj) {
    (void)self;
    if (obj == Py_None) {
        return PyLong_FromLong(0);
    }
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_C_CONTIGUOUS) != 0) {
        return NULL;
    }
    PyObject *result = PyLong_FromVoidPtr(view.buf);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"address", address, METH_O,
     "address(buffer) -> int: the address of a C-contiguous buffer's data "
     "(0 for None)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_address",
    "Data addresses of contiguous buffers for goot's Go boundary.", -1, methods,
};

PyMODINIT_FUNC PyInit__address(void) { return PyModule_Create(&module); }
