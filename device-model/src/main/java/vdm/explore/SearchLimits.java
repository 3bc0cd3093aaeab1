package vdm.explore;

/**
 * Where a search stops before its depth: once it holds {@code maxStates} distinct states or its stored states (the
 * seen set and the compact tree, as {@link Explorer.Result#bytesPerStoredState()} counts them) take
 * {@code maxMemoryBytes}. Both are checked after each expanded node, so a stop falls on a node boundary and the
 * search's own figures decide it (not the JVM's heap, which a garbage collection changes): the same search stops at
 * the same node on any thread count. 0 means no limit.
 */
public record SearchLimits(long maxStates, long maxMemoryBytes) {
    public static final SearchLimits NONE = new SearchLimits(0, 0);

    public SearchLimits {
        if (maxStates < 0) throw new IllegalArgumentException("the state limit must be positive, not " + maxStates);
        if (maxMemoryBytes < 0) throw new IllegalArgumentException("the memory limit must be positive, not " + maxMemoryBytes);
    }

    /** Why a search with these figures stops, or null if it goes on. */
    String exceeded(long distinctStates, long storedBytes) {
        if (maxStates > 0 && distinctStates >= maxStates) return "reached " + distinctStates + " distinct states (--max-states " + maxStates + ")";
        if (maxMemoryBytes > 0 && storedBytes >= maxMemoryBytes) {
            return "its stored states take " + storedBytes + " bytes (--max-memory " + maxMemoryBytes + ")";
        }
        return null;
    }

    /**
     * A size as the command line gives it: bytes, or a number with K, M or G (binary: 1K is 1024 bytes).
     *
     * @throws IllegalArgumentException naming the text if it is not a size
     */
    public static long parseBytes(String text) {
        String t = text.trim();
        long unit = 1;
        if (!t.isEmpty()) {
            switch (Character.toUpperCase(t.charAt(t.length() - 1))) {
                case 'K' -> unit = 1L << 10;
                case 'M' -> unit = 1L << 20;
                case 'G' -> unit = 1L << 30;
                default -> unit = 1;
            }
            if (unit != 1) t = t.substring(0, t.length() - 1);
        }
        if (t.isEmpty() || !t.chars().allMatch(c -> c >= '0' && c <= '9') || t.length() > 12) {
            throw new IllegalArgumentException("'" + text + "' is not a size (bytes, or a number with K, M or G)");
        }
        return Long.parseLong(t) * unit;
    }
}
