/**
 * Every document vdm reads or writes, and the only package of device-model that knows JSON (Jackson): host
 * descriptions ({@link vdm.persist.HostJsonReader}, {@link vdm.persist.HostJsonWriter}, one schema in
 * {@link vdm.persist.HostJsonSchema}), snapshots of the whole model ({@link vdm.persist.Snapshot}, one mapper per
 * layer's state record), the explorer's scenario files ({@link vdm.persist.ScenarioFile}) and traces and scenario
 * replays as JSON lines ({@link vdm.persist.TraceJson}, {@link vdm.persist.ScenarioJson}).
 * <p>
 * It sits above the model layers (host, xen, model, dom0, toolstack, system, snapshot, scenario, explore) and reads
 * them only through their public state records and descriptions; no layer imports it, so the hypervisor does not
 * know the file formats and a format change touches this package alone. {@code vdm.Vdm} and the command line call it.
 */
package vdm.persist;
