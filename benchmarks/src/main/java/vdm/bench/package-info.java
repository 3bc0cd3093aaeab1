/** JMH benchmarks of vdm's hot paths. */
package vdm.bench;
