package vdm.capture;

import vdm.host.HostDescription;

/** A captured host: the description {@code --host} accepts, and the report of how it was made. */
public record Capture(HostDescription description, CaptureReport report) {}
