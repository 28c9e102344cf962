package org.resnext4j.ui;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnext4j.ui.RunSettings.Key;

/**
 * Takes typed values out of a stored settings map for {@link RunSettings#fromMap}, naming the key of a value of the
 * wrong type; what no component took is {@link #rest()}.
 */
final class RunSettingsReader {

    private final Map<String, Object> left = new LinkedHashMap<>();

    RunSettingsReader(Map<?, ?> map) {
        if (map != null) {
            map.forEach((k, v) -> left.put(String.valueOf(k), v));
        }
    }

    /** @return whether any of the keys holds a value */
    boolean any(Key... keys) {
        for (Key k : keys) {
            if (left.get(k.json()) != null) {
                return true;
            }
        }
        return false;
    }

    /** @return the key's value, taken out, or null (a null value stays, for {@link #rest()}) */
    Object take(Key key) {
        Object v = left.get(key.json());
        if (v != null) {
            left.remove(key.json());
        }
        return v;
    }

    String string(Key key) {
        Object v = take(key);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw wrongType(key, v, "a string");
    }

    Boolean bool(Key key) {
        Object v = take(key);
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        throw wrongType(key, v, "true or false");
    }

    Double number(Key key) {
        Object v = take(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw wrongType(key, v, "a number");
    }

    /** An integer; a JSON number with a fraction is refused, one without (such as {@code 32.0}) is read. */
    Long longInteger(Key key) {
        Object v = take(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.longValue();
        }
        throw wrongType(key, v, "an integer");
    }

    /** An integer in {@code int}'s range, as {@link #longInteger}. */
    Integer integer(Key key) {
        Object v = take(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.longValue() == n.intValue()) {
            return n.intValue();
        }
        throw wrongType(key, v, "an integer");
    }

    List<Double> numbers(Key key, int size) {
        Object v = take(key);
        if (v == null) {
            return null;
        }
        if (v instanceof List<?> list && list.size() == size) {
            List<Double> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof Number n)) {
                    throw wrongType(key, v, "a list of " + size + " numbers");
                }
                out.add(n.doubleValue());
            }
            return out;
        }
        throw wrongType(key, v, "a list of " + size + " numbers");
    }

    /**
     * @return {@code value}
     * @throws IllegalArgumentException naming the key when it is null (a group of settings stored together lacks it)
     */
    <T> T required(T value, Key key, String group) {
        if (value == null) {
            throw new IllegalArgumentException(key.json() + ": missing; the run's " + group + " settings are stored "
                    + "together, and this one is not");
        }
        return value;
    }

    IllegalArgumentException wrongType(Key key, Object value, String expected) {
        String shown = value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
        return new IllegalArgumentException(key.json() + ": expected " + expected + ", got " + shown);
    }

    /** @return the keys no component took, with their values, in their order */
    Map<String, Object> rest() {
        return left;
    }
}
