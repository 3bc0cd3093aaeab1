package vdm.qmp.json;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * A double as QEMU prints one in JSON (qobject/json-writer.c, {@code "%.17g"}): 17 significant digits of the exact
 * binary value rounded half-even, as glibc's printf does; trailing zeros dropped; fixed notation unless the decimal
 * exponent is below -4 or at least 17; an exponent of at least two digits; {@code inf}, {@code -inf}, {@code -0}
 * as C writes them (QEMU emits them as is, though they are not JSON).
 */
final class CDouble {
    private static final int PRECISION = 17;
    private static final MathContext ROUND = new MathContext(PRECISION, RoundingMode.HALF_EVEN);

    private CDouble() {}

    static String format(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return 1 / d < 0 ? "-0" : "0";
        BigDecimal r = new BigDecimal(d).round(ROUND).stripTrailingZeros();
        int exponent = r.precision() - r.scale() - 1;
        if (exponent >= -4 && exponent < PRECISION) return r.toPlainString();
        String digits = r.unscaledValue().abs().toString();
        StringBuilder sb = new StringBuilder(digits.length() + 8);
        if (r.signum() < 0) sb.append('-');
        sb.append(digits.charAt(0));
        if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
        sb.append('e').append(exponent < 0 ? '-' : '+');
        int abs = Math.abs(exponent);
        if (abs < 10) sb.append('0');
        return sb.append(abs).toString();
    }
}
