/* lambda_nb's own small JSON codec: parsing, writing, and binding to Java types the way the
 * RIC's Jackson mapper does for the cases java-runtime.md 4.2-4.4 lists (Maven Central, where
 * Jackson and AWS's serializer live, is out of reach; Debian's Jackson 2.14 would add 2.5 MB
 * and 0.1 s to every cold start).
 *
 * Choices where the spec says UNCONFIRMED or where this codec differs from Jackson:
 * - java.time values are written as their ISO-8601 text (Jackson with JavaTimeModule on AWS:
 *   shape UNCONFIRMED); java.util.Date as epoch milliseconds, as Jackson's default.
 * - the parser is strict JSON (Jackson's lenient features - single quotes, unquoted names,
 *   NaN - are not accepted).
 * - error messages follow Jackson's wording for the common cases (4.3); the exception class in
 *   the log's "Caused by:" line is this codec's, not Jackson's (no shaded package prefix).
 */
package com.amazonaws.services.lambda.runtime.api.client.lambdanb;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

final class Json {
    private Json() {}

    /** A value that does not fit the declared type, in Jackson's words. */
    static final class MappingException extends java.io.IOException {
        MappingException(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------------------ parse
    static Object parse(String text) throws MappingException {
        Parser p = new Parser(text);
        p.skip();
        if (p.pos >= text.length()) {
            throw new MappingException("No content to map due to end-of-input");
        }
        Object value = p.value();
        p.skip();
        if (p.pos < text.length()) {
            throw new MappingException(
                    "Unexpected character ('" + text.charAt(p.pos) + "'): expected end-of-input");
        }
        return value;
    }

    private static final class Parser {
        final String s;
        int pos;

        Parser(String s) {
            this.s = s;
        }

        void skip() {
            while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        MappingException error(String what) {
            return new MappingException(what + " at position " + pos);
        }

        Object value() throws MappingException {
            skip();
            if (pos >= s.length()) {
                throw error("Unexpected end-of-input");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return string();
                case 't':
                    return literal("true", Boolean.TRUE);
                case 'f':
                    return literal("false", Boolean.FALSE);
                case 'n':
                    return literal("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw error("Unexpected character ('" + c + "')");
            }
        }

        Object literal(String word, Object value) throws MappingException {
            if (!s.startsWith(word, pos)) {
                throw error("Unrecognized token");
            }
            pos += word.length();
            return value;
        }

        Map<String, Object> object() throws MappingException {
            Map<String, Object> out = new LinkedHashMap<>();
            pos++;
            skip();
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return out;
            }
            while (true) {
                skip();
                if (pos >= s.length() || s.charAt(pos) != '"') {
                    throw error("Expected a field name");
                }
                String key = string();
                skip();
                if (pos >= s.length() || s.charAt(pos) != ':') {
                    throw error("Expected ':'");
                }
                pos++;
                out.put(key, value());
                skip();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                } else if (pos < s.length() && s.charAt(pos) == '}') {
                    pos++;
                    return out;
                } else {
                    throw error("Expected ',' or '}'");
                }
            }
        }

        List<Object> array() throws MappingException {
            List<Object> out = new ArrayList<>();
            pos++;
            skip();
            if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return out;
            }
            while (true) {
                out.add(value());
                skip();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                } else if (pos < s.length() && s.charAt(pos) == ']') {
                    pos++;
                    return out;
                } else {
                    throw error("Expected ',' or ']'");
                }
            }
        }

        String string() throws MappingException {
            StringBuilder b = new StringBuilder();
            pos++;
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    break;
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case 'b':
                        b.append('\b');
                        break;
                    case 'f':
                        b.append('\f');
                        break;
                    case 'n':
                        b.append('\n');
                        break;
                    case 'r':
                        b.append('\r');
                        break;
                    case 't':
                        b.append('\t');
                        break;
                    case 'u':
                        if (pos + 4 > s.length()) {
                            throw error("Bad unicode escape");
                        }
                        b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        pos += 4;
                        break;
                    default:
                        b.append(e);
                }
            }
            throw error("Unexpected end-of-input in a String value");
        }

        Object number() throws MappingException {
            int start = pos;
            boolean decimal = false;
            if (s.charAt(pos) == '-') {
                pos++;
            }
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c >= '0' && c <= '9') {
                    pos++;
                } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                    decimal = true;
                    pos++;
                } else {
                    break;
                }
            }
            String text = s.substring(start, pos);
            try {
                if (decimal) {
                    return Double.valueOf(text);
                }
                BigInteger big = new BigInteger(text);
                if (big.bitLength() < 32) {
                    return big.intValue();
                }
                if (big.bitLength() < 64) {
                    return big.longValue();
                }
                return big;
            } catch (NumberFormatException e) {
                throw error("Malformed number " + text);
            }
        }
    }

    // ------------------------------------------------------------------------------ write
    static String write(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value);
        return b.toString();
    }

    static void writeString(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                case '\b':
                    b.append("\\b");
                    break;
                case '\f':
                    b.append("\\f");
                    break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }

    @SuppressWarnings("unchecked")
    static void write(StringBuilder b, Object value) {
        if (value == null) {
            b.append("null");
        } else if (value instanceof String || value instanceof Character) {
            writeString(b, value.toString());
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                writeString(b, String.valueOf(d));
            } else {
                b.append(value.toString());
            }
        } else if (value instanceof Number || value instanceof Boolean) {
            b.append(value.toString());
        } else if (value instanceof Map) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<Object, Object> e : ((Map<Object, Object>) value).entrySet()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                writeString(b, String.valueOf(e.getKey()));
                b.append(':');
                write(b, e.getValue());
            }
            b.append('}');
        } else if (value instanceof Collection) {
            writeArray(b, ((Collection<Object>) value).toArray());
        } else if (value instanceof byte[]) {
            writeString(b, Base64.getEncoder().encodeToString((byte[]) value));
        } else if (value.getClass().isArray()) {
            Object[] items = new Object[Array.getLength(value)];
            for (int i = 0; i < items.length; i++) {
                items[i] = Array.get(value, i);
            }
            writeArray(b, items);
        } else if (value instanceof Enum) {
            writeString(b, ((Enum<?>) value).name());
        } else if (value instanceof Date) {
            b.append(((Date) value).getTime());
        } else if (value instanceof Optional) {
            write(b, ((Optional<?>) value).orElse(null));
        } else if (value.getClass().getName().startsWith("java.time.")
                || value instanceof java.util.UUID
                || value instanceof java.net.URI
                || value instanceof java.net.URL) {
            writeString(b, value.toString());
        } else {
            write(b, properties(value));
        }
    }

    private static void writeArray(StringBuilder b, Object[] items) {
        b.append('[');
        for (int i = 0; i < items.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            write(b, items[i]);
        }
        b.append(']');
    }

    /** A bean's properties in Jackson's order (fields as declared, then getter-only ones),
     * without nulls (the RIC's NON_NULL inclusion, java-runtime.md 4.2). */
    static Map<String, Object> properties(Object bean) {
        Class<?> cls = bean.getClass();
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            if (cls.isRecord()) {
                for (RecordComponent rc : cls.getRecordComponents()) {
                    Method m = rc.getAccessor();
                    m.setAccessible(true);
                    put(out, rc.getName(), m.invoke(bean));
                }
                return out;
            }
            Map<String, Method> getters = new TreeMap<>();
            for (Method m : cls.getMethods()) {
                if (Modifier.isStatic(m.getModifiers())
                        || m.getParameterCount() != 0
                        || m.getDeclaringClass() == Object.class) {
                    continue;
                }
                String name = m.getName();
                String prop = null;
                if (name.startsWith("get") && name.length() > 3 && m.getReturnType() != void.class) {
                    prop = beanName(name.substring(3));
                } else if (name.startsWith("is")
                        && name.length() > 2
                        && (m.getReturnType() == boolean.class)) {
                    prop = beanName(name.substring(2));
                }
                if (prop != null) {
                    getters.put(prop, m);
                }
            }
            List<String> order = new ArrayList<>();
            for (Class<?> c = cls; c != null && c != Object.class; c = c.getSuperclass()) {
                List<String> own = new ArrayList<>();
                for (Field f : c.getDeclaredFields()) {
                    if (!Modifier.isStatic(f.getModifiers()) && !f.isSynthetic()) {
                        own.add(f.getName());
                    }
                }
                order.addAll(0, own);
            }
            for (String prop : getters.keySet()) {
                if (!order.contains(prop)) {
                    order.add(prop);
                }
            }
            for (String prop : order) {
                Method getter = getters.get(prop);
                if (getter != null) {
                    getter.setAccessible(true);
                    put(out, prop, getter.invoke(bean));
                    continue;
                }
                Field f = publicField(cls, prop);
                if (f != null) {
                    put(out, prop, f.get(bean));
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static void put(Map<String, Object> out, String name, Object value) {
        if (value != null) {
            out.put(name, value);
        }
    }

    private static Field publicField(Class<?> cls, String name) {
        try {
            Field f = cls.getField(name);
            return Modifier.isStatic(f.getModifiers()) ? null : f;
        } catch (NoSuchFieldException e) {
            return null;
        }
    }

    /** USE_STD_BEAN_NAMING: `Name` -> `name`, `URL` -> `URL`. */
    static String beanName(String part) {
        if (part.length() > 1 && Character.isUpperCase(part.charAt(0))
                && Character.isUpperCase(part.charAt(1))) {
            return part;
        }
        return Character.toLowerCase(part.charAt(0)) + part.substring(1);
    }

    // ------------------------------------------------------------------------------- bind
    static String typeName(Type type) {
        if (type instanceof Class) {
            Class<?> c = (Class<?>) type;
            return c.isArray() ? typeName(c.getComponentType()) + "[]" : c.getName();
        }
        return type.getTypeName();
    }

    private static String token(Object value) {
        if (value instanceof Map) {
            return "Object value (token `JsonToken.START_OBJECT`)";
        }
        if (value instanceof List) {
            return "Array value (token `JsonToken.START_ARRAY`)";
        }
        if (value instanceof String) {
            return "String value (token `JsonToken.VALUE_STRING`)";
        }
        if (value instanceof Boolean) {
            return "Boolean value (token `JsonToken.VALUE_" + (((Boolean) value) ? "TRUE" : "FALSE") + "`)";
        }
        if (value instanceof Double) {
            return "Floating-point value (token `JsonToken.VALUE_NUMBER_FLOAT`)";
        }
        return "Integer value (token `JsonToken.VALUE_NUMBER_INT`)";
    }

    static MappingException mismatch(Type type, Object value) {
        return new MappingException(
                "Cannot deserialize value of type `" + typeName(type) + "` from " + token(value));
    }

    private static Class<?> raw(Type type) {
        if (type instanceof Class) {
            return (Class<?>) type;
        }
        if (type instanceof ParameterizedType) {
            return (Class<?>) ((ParameterizedType) type).getRawType();
        }
        if (type instanceof GenericArrayType) {
            return Array.newInstance(raw(((GenericArrayType) type).getGenericComponentType()), 0)
                    .getClass();
        }
        if (type instanceof WildcardType) {
            return raw(((WildcardType) type).getUpperBounds()[0]);
        }
        if (type instanceof TypeVariable) {
            Type[] bounds = ((TypeVariable<?>) type).getBounds();
            return bounds.length > 0 ? raw(bounds[0]) : Object.class;
        }
        return Object.class;
    }

    private static Type arg(Type type, int i) {
        if (type instanceof ParameterizedType) {
            return ((ParameterizedType) type).getActualTypeArguments()[i];
        }
        return Object.class;
    }

    /** The JSON tree `value` as an instance of `type` (java-runtime.md 4.3). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Object bind(Object value, Type type) throws MappingException {
        Class<?> cls = raw(type);
        if (cls == Object.class) {
            return value;
        }
        if (value == null) {
            return cls.isPrimitive() ? primitiveDefault(cls) : null;
        }
        // UNWRAP_SINGLE_VALUE_ARRAYS: ["x"] for a scalar or an object type
        if (value instanceof List
                && ((List<?>) value).size() == 1
                && !Collection.class.isAssignableFrom(cls)
                && !cls.isArray()
                && !Map.class.isAssignableFrom(cls)) {
            value = ((List<?>) value).get(0);
        }
        if (cls == String.class || cls == CharSequence.class) {
            if (value instanceof Map || value instanceof List) {
                throw mismatch(type, value);
            }
            return value.toString();
        }
        if (cls.isPrimitive() || Number.class.isAssignableFrom(cls) || cls == Boolean.class
                || cls == Character.class) {
            return scalar(value, cls, type);
        }
        if (cls.isEnum()) {
            if (!(value instanceof String)) {
                throw mismatch(type, value);
            }
            for (Object constant : cls.getEnumConstants()) {
                if (((Enum<?>) constant).name().equals(value)) {
                    return constant;
                }
            }
            return null; // READ_UNKNOWN_ENUM_VALUES_AS_NULL
        }
        if (Map.class.isAssignableFrom(cls)) {
            if ("".equals(value)) {
                return null; // ACCEPT_EMPTY_STRING_AS_NULL_OBJECT
            }
            if (!(value instanceof Map)) {
                throw mismatch(type, value);
            }
            Map out = cls.isInterface() || Modifier.isAbstract(cls.getModifiers())
                    ? (java.util.SortedMap.class.isAssignableFrom(cls) ? new TreeMap() : new LinkedHashMap())
                    : (Map) instantiate(cls, type);
            Type keyType = arg(type, 0);
            Type valueType = arg(type, 1);
            for (Map.Entry<String, Object> e : ((Map<String, Object>) value).entrySet()) {
                Object key = raw(keyType) == Object.class ? e.getKey() : bind(e.getKey(), keyType);
                out.put(key, bind(e.getValue(), valueType));
            }
            return out;
        }
        if (Collection.class.isAssignableFrom(cls) || cls.isArray()) {
            List<Object> items = value instanceof List ? (List<Object>) value : List.of(value);
            if (cls.isArray()) {
                Type component = type instanceof GenericArrayType
                        ? ((GenericArrayType) type).getGenericComponentType()
                        : cls.getComponentType();
                Object array = Array.newInstance(raw(component), items.size());
                for (int i = 0; i < items.size(); i++) {
                    Array.set(array, i, bind(items.get(i), component));
                }
                return array;
            }
            Collection out = cls.isInterface() || Modifier.isAbstract(cls.getModifiers())
                    ? (Set.class.isAssignableFrom(cls) ? new LinkedHashSet() : new ArrayList())
                    : (Collection) instantiate(cls, type);
            Type itemType = arg(type, 0);
            for (Object item : items) {
                out.add(bind(item, itemType));
            }
            return out;
        }
        if (value instanceof String && ((String) value).isEmpty()) {
            return null; // ACCEPT_EMPTY_STRING_AS_NULL_OBJECT
        }
        if (value instanceof List && ((List<?>) value).isEmpty()) {
            return null; // ACCEPT_EMPTY_ARRAY_AS_NULL_OBJECT
        }
        if (!(value instanceof Map)) {
            if (value instanceof List) {
                throw mismatch(type, value);
            }
            throw new MappingException(
                    "Cannot construct instance of `" + typeName(type) + "` (although at least one"
                            + " Creator exists): no " + scalarKind(value)
                            + "-argument constructor/factory method to deserialize from "
                            + scalarKind(value) + " value (" + quoted(value) + ")");
        }
        return pojo((Map<String, Object>) value, cls, type);
    }

    private static String scalarKind(Object value) {
        if (value instanceof String) {
            return "String";
        }
        if (value instanceof Boolean) {
            return "boolean";
        }
        if (value instanceof Double) {
            return "double";
        }
        return value instanceof Long ? "long" : "int";
    }

    private static String quoted(Object value) {
        return value instanceof String ? "'" + value + "'" : String.valueOf(value);
    }

    private static Object primitiveDefault(Class<?> cls) {
        if (cls == boolean.class) {
            return false;
        }
        if (cls == char.class) {
            return '\0';
        }
        return scalarFromNumber(0, cls);
    }

    private static Object scalar(Object value, Class<?> cls, Type type) throws MappingException {
        Class<?> box = box(cls);
        if (box == Boolean.class) {
            if (value instanceof Boolean) {
                return value;
            }
            if ("true".equals(value) || "false".equals(value)) {
                return Boolean.valueOf((String) value);
            }
            if (value instanceof Integer) {
                return ((Integer) value) != 0;
            }
            if (value instanceof String) {
                throw new MappingException("Cannot deserialize value of type `" + typeName(type)
                        + "` from String \"" + value + "\": only \"true\" or \"false\" recognized");
            }
            throw mismatch(type, value);
        }
        if (box == Character.class) {
            if (value instanceof String && ((String) value).length() == 1) {
                return ((String) value).charAt(0);
            }
            throw mismatch(type, value);
        }
        if (value instanceof Number) {
            return scalarFromNumber((Number) value, box);
        }
        if (value instanceof String) {
            String text = ((String) value).trim();
            try {
                if (box == Double.class || box == Float.class || box == BigDecimal.class) {
                    return scalarFromNumber(new BigDecimal(text), box);
                }
                return scalarFromNumber(new BigInteger(text), box);
            } catch (NumberFormatException e) {
                throw new MappingException("Cannot deserialize value of type `" + typeName(type)
                        + "` from String \"" + value + "\": not a valid `" + typeName(type)
                        + "` value");
            }
        }
        throw mismatch(type, value);
    }

    private static Object scalarFromNumber(Number n, Class<?> box) {
        box = box(box);
        if (box == Integer.class) {
            return n.intValue();
        }
        if (box == Long.class) {
            return n.longValue();
        }
        if (box == Double.class) {
            return n.doubleValue();
        }
        if (box == Float.class) {
            return n.floatValue();
        }
        if (box == Short.class) {
            return n.shortValue();
        }
        if (box == Byte.class) {
            return n.byteValue();
        }
        if (box == BigDecimal.class) {
            return new BigDecimal(n.toString());
        }
        if (box == BigInteger.class) {
            return n instanceof BigInteger ? n : new BigDecimal(n.toString()).toBigInteger();
        }
        return n;
    }

    private static Class<?> box(Class<?> c) {
        if (!c.isPrimitive()) {
            return c;
        }
        if (c == int.class) {
            return Integer.class;
        }
        if (c == long.class) {
            return Long.class;
        }
        if (c == double.class) {
            return Double.class;
        }
        if (c == float.class) {
            return Float.class;
        }
        if (c == short.class) {
            return Short.class;
        }
        if (c == byte.class) {
            return Byte.class;
        }
        if (c == char.class) {
            return Character.class;
        }
        return Boolean.class;
    }

    private static Object instantiate(Class<?> cls, Type type) throws MappingException {
        try {
            Constructor<?> ctor = cls.getDeclaredConstructor();
            ctor.setAccessible(true); // CAN_OVERRIDE_ACCESS_MODIFIERS
            return ctor.newInstance();
        } catch (NoSuchMethodException e) {
            throw new MappingException("Cannot construct instance of `" + typeName(type)
                    + "` (no Creators, like default constructor, exist): cannot deserialize from"
                    + " Object value (no delegate- or property-based Creator)");
        } catch (ReflectiveOperationException | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new MappingException("Cannot construct instance of `" + typeName(type)
                    + "`, problem: " + cause);
        }
    }

    /** A POJO from an object: setters, then public fields; unknown keys ignored
     * (FAIL_ON_UNKNOWN_PROPERTIES off), names case-sensitive; records through their canonical
     * constructor. */
    private static Object pojo(Map<String, Object> object, Class<?> cls, Type type)
            throws MappingException {
        if (cls.isRecord()) {
            RecordComponent[] parts = cls.getRecordComponents();
            Class<?>[] types = new Class<?>[parts.length];
            Object[] args = new Object[parts.length];
            for (int i = 0; i < parts.length; i++) {
                types[i] = parts[i].getType();
                args[i] = bind(object.get(parts[i].getName()), parts[i].getGenericType());
            }
            try {
                Constructor<?> ctor = cls.getDeclaredConstructor(types);
                ctor.setAccessible(true);
                return ctor.newInstance(args);
            } catch (ReflectiveOperationException e) {
                throw new MappingException("Cannot construct instance of `" + typeName(type)
                        + "`, problem: " + (e.getCause() != null ? e.getCause() : e));
            }
        }
        Object bean = instantiate(cls, type);
        Map<String, Method> setters = new LinkedHashMap<>();
        for (Method m : cls.getMethods()) {
            String name = m.getName();
            if (name.startsWith("set") && name.length() > 3 && m.getParameterCount() == 1
                    && !Modifier.isStatic(m.getModifiers())) {
                setters.putIfAbsent(beanName(name.substring(3)), m);
            }
        }
        for (Map.Entry<String, Object> e : object.entrySet()) {
            try {
                Method setter = setters.get(e.getKey());
                if (setter != null) {
                    setter.invoke(bean, bind(e.getValue(), setter.getGenericParameterTypes()[0]));
                    continue;
                }
                Field f = publicField(cls, e.getKey());
                if (f != null) {
                    f.setAccessible(true); // ALLOW_FINAL_FIELDS_AS_MUTATORS
                    f.set(bean, bind(e.getValue(), f.getGenericType()));
                }
            } catch (MappingException err) {
                throw new MappingException(err.getMessage() + " (through reference chain: "
                        + cls.getName() + "[\"" + e.getKey() + "\"])");
            } catch (ReflectiveOperationException err) {
                Throwable cause = err.getCause() != null ? err.getCause() : err;
                throw new MappingException("Problem deserializing property '" + e.getKey()
                        + "' (of type " + cls.getName() + "): " + cause);
            }
        }
        return bean;
    }
}
