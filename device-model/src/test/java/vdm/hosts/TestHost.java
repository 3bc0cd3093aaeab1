package vdm.hosts;

import java.util.List;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.host.Host;
import vdm.host.HostDescription;
import vdm.host.PhysicalFunction;
import vdm.host.WideHost;
import vdm.pci.ConfigRegisters;
import vdm.pci.Sbdf;

/**
 * The hosts every integration suite runs on: the built-in default host and {@link WideHost}, which differs from it
 * wherever the default host is simple (two functions behind one root port, a second segment, a shared GSI, an IO
 * BAR, 64-bit BARs above 4 GiB, a link-routed device). Tests take the devices from the host, never from constants.
 */
public enum TestHost {
    DEFAULT(DefaultHost.description()),
    WIDE(WideHost.description());

    private final HostDescription description;

    TestHost(HostDescription description) {
        this.description = description;
    }

    public HostDescription description() {
        return description;
    }

    public Vdm.Builder builder() {
        return Vdm.host(description);
    }

    /**
     * The functions a user could pass through, read from the booted host: type 0 headers that are not host bridges
     * (class 06 00), in SBDF order.
     */
    public List<Sbdf> endpoints() {
        Host host = Host.create(description).enumerate();
        return host.functions().stream()
                .filter(f -> (f.read(ConfigRegisters.HEADER_TYPE, 1) & 0x7f) == 0)
                .filter(f -> (f.read(ConfigRegisters.CLASS_REVISION, 4) >>> 16) != 0x0600)
                .map(PhysicalFunction::sbdf).toList();
    }

    /** The endpoints with an INTx pin. */
    public List<Sbdf> intxEndpoints() {
        Host host = Host.create(description).enumerate();
        return endpoints().stream().filter(s -> host.require(s).read(ConfigRegisters.INTERRUPT_PIN, 1) != 0).toList();
    }
}
