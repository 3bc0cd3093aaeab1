/** PCI configuration space: layouts, masks, BARs, capabilities, engines and dumps. */
package vdm.pci;
