package vdm.invariants;

/** A cross-layer invariant that does not hold: which one, where, and the expected and actual values. */
public record Violation(String invariant, String where, String expected, String actual) {
    @Override
    public String toString() {
        return invariant + " at " + where + ": expected " + expected + ", actual " + actual;
    }
}
