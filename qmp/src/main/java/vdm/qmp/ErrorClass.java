package vdm.qmp;

/** The QMP error classes QEMU still reports (qapi/error.json {@code QapiErrorClass}). */
public enum ErrorClass {
    GenericError, CommandNotFound, DeviceNotActive, DeviceNotFound, KVMMissingCap
}
