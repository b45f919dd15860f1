/* From _HANDLER to something to invoke, as the RIC's HandlerInfo / EventHandlerLoader
 * (java-runtime.md 2, 4, 5.2): `pkg.Class` (RequestStreamHandler, then RequestHandler) or
 * `pkg.Class::method` (public methods by that name, the best-supported signature first). The
 * class is loaded with initialisation and constructed during INIT. Faults carry the RIC's
 * exact messages; fatal ones end INIT, deferred ones fail every invoke. */
package com.amazonaws.services.lambda.runtime.api.client.lambdanb;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

final class HandlerLoader {
    private HandlerLoader() {}

    /** One loaded handler: the event's bytes in, the response's bytes out. */
    interface Invocable {
        byte[] invoke(byte[] input, Context context) throws Throwable;
    }

    static Invocable load(String handler, ClassLoader loader) {
        int cut = handler.lastIndexOf("::");
        String className = cut < 0 ? handler : handler.substring(0, cut);
        String methodName = cut < 0 ? null : handler.substring(cut + 2);
        if (className.isEmpty() || (methodName != null && methodName.isEmpty())) {
            throw UserFault.of("Invalid handler: `" + handler + "'");
        }
        Class<?> cls;
        try {
            cls = Class.forName(className, true, loader); // static initialisers run now (INIT)
        } catch (ClassNotFoundException e) {
            throw UserFault.of("Class not found: " + className, e, false);
        } catch (NoClassDefFoundError e) {
            throw UserFault.of("Error loading class " + className + ": " + e.getMessage(), e,
                    true).deferred();
        } catch (ExceptionInInitializerError e) {
            throw UserFault.of("Error loading class " + className, e, true);
        } catch (Throwable e) {
            String m = e.getMessage();
            throw UserFault.of("Error loading class " + className + (m == null ? "" : ": " + m),
                    e, true);
        }
        if (methodName == null) {
            return classHandler(cls);
        }
        return methodHandler(cls, methodName);
    }

    // --------------------------------------------------------------- class-only form
    @SuppressWarnings("unchecked")
    private static Invocable classHandler(Class<?> cls) {
        if (RequestStreamHandler.class.isAssignableFrom(cls)) {
            // The bytes written are the response, unvalidated; nothing written is an empty
            // body (the caller's view of that: UNCONFIRMED, java-runtime.md 4.4).
            RequestStreamHandler h = (RequestStreamHandler) instantiate(cls);
            return (input, context) -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                h.handleRequest(new ByteArrayInputStream(input), out, context);
                return out.toByteArray();
            };
        }
        if (RequestHandler.class.isAssignableFrom(cls)) {
            Type[] io = requestHandlerTypes(cls);
            RequestHandler<Object, Object> h = (RequestHandler<Object, Object>) instantiate(cls);
            return (input, context) -> {
                Object event = deserialize(input, io[0]);
                Object result = h.handleRequest(event, context);
                return serialize(result, io[1]);
            };
        }
        throw UserFault.of("Class does not implement an appropriate handler interface: "
                + cls.getName());
    }

    /** RequestHandler's <I, O>: a breadth-first walk over generic interfaces and superclasses,
     * substituting type variables on the way. */
    private static Type[] requestHandlerTypes(Class<?> cls) {
        Deque<Object[]> queue = new ArrayDeque<>();
        queue.add(new Object[] {cls, new HashMap<TypeVariable<?>, Type>()});
        while (!queue.isEmpty()) {
            Object[] item = queue.poll();
            Type type = (Type) item[0];
            @SuppressWarnings("unchecked")
            Map<TypeVariable<?>, Type> outer = (Map<TypeVariable<?>, Type>) item[1];
            Class<?> raw;
            Map<TypeVariable<?>, Type> bindings = new HashMap<>();
            if (type instanceof ParameterizedType) {
                ParameterizedType p = (ParameterizedType) type;
                raw = (Class<?>) p.getRawType();
                TypeVariable<?>[] vars = raw.getTypeParameters();
                Type[] args = p.getActualTypeArguments();
                for (int i = 0; i < vars.length; i++) {
                    bindings.put(vars[i], substitute(args[i], outer));
                }
            } else if (type instanceof Class) {
                raw = (Class<?>) type;
            } else {
                continue;
            }
            if (raw == RequestHandler.class) {
                if (!(type instanceof ParameterizedType)) {
                    break;
                }
                TypeVariable<?>[] vars = raw.getTypeParameters();
                Type[] io = {bindings.get(vars[0]), bindings.get(vars[1])};
                for (Type t : io) {
                    if (t instanceof TypeVariable) {
                        Type[] bounds = ((TypeVariable<?>) t).getBounds();
                        if (bounds.length == 0 || bounds[0] == Object.class) {
                            throw UserFault.of("Class " + cls.getName() + " does not implement "
                                    + "RequestHandler with concrete type parameters: parameter "
                                    + t + " has no upper bound.");
                        }
                    }
                }
                return io;
            }
            for (Type t : raw.getGenericInterfaces()) {
                queue.add(new Object[] {t, bindings});
            }
            if (raw.getGenericSuperclass() != null) {
                queue.add(new Object[] {raw.getGenericSuperclass(), bindings});
            }
        }
        throw UserFault.of("Class " + cls.getName()
                + " does not implement RequestHandler with concrete type parameters");
    }

    private static Type substitute(Type t, Map<TypeVariable<?>, Type> bindings) {
        if (t instanceof TypeVariable && bindings.containsKey(t)) {
            return bindings.get(t);
        }
        return t;
    }

    /** The handler's instance, made once during INIT by its public no-argument constructor. */
    static Object instantiate(Class<?> cls) {
        if (cls.isMemberClass() && !Modifier.isStatic(cls.getModifiers())) {
            String m = "Class " + cls.getName()
                    + " cannot be instantiated because it is a non-static inner class";
            throw UserFault.of(m, new Exception(m), false);
        }
        Constructor<?> ctor;
        try {
            ctor = cls.getConstructor();
        } catch (NoSuchMethodException e) {
            String m = "Class " + cls.getName() + " has no public zero-argument constructor";
            throw UserFault.of(m, new Exception(m), false);
        }
        try {
            return ctor.newInstance();
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            UserFault.filter(cause);
            String m = cause.getLocalizedMessage();
            throw new UserFault(m != null ? m : cause.getClass().getName(),
                    cause.getClass().getName(), cause, true);
        } catch (ReflectiveOperationException e) {
            // IllegalAccessException: a class that is not public (UNCONFIRMED on AWS; derived
            // from the RIC and the JVM, java-runtime.md 2.6)
            UserFault.filter(e);
            throw UserFault.of(e.getMessage() != null ? e.getMessage() : e.getClass().getName(),
                    e, false);
        }
    }

    // ------------------------------------------------------------------- method form
    private static boolean isContext(Class<?> c) {
        return c == Context.class;
    }

    /** Sort weight: more parameters first, a trailing Context counting one extra. */
    private static int weight(Method m) {
        Class<?>[] p = m.getParameterTypes();
        return p.length + (p.length > 0 && isContext(p[p.length - 1]) ? 1 : 0);
    }

    private static Invocable methodHandler(Class<?> cls, String name) {
        List<Method> candidates = new ArrayList<>();
        for (Method m : cls.getMethods()) {
            if (m.getName().equals(name)) {
                candidates.add(m);
            }
        }
        candidates.sort((a, b) -> {
            if (a.isBridge() != b.isBridge()) {
                return a.isBridge() ? 1 : -1;
            }
            return Integer.compare(weight(b), weight(a));
        });
        for (Method m : candidates) {
            Invocable found = shape(cls, m);
            if (found != null) {
                return found;
            }
        }
        throw UserFault.of("No public method named " + name
                + " with appropriate method signature found on class " + cls.getName());
    }

    private static boolean stream(Class<?> c) {
        return c == InputStream.class || c == OutputStream.class;
    }

    /** The method as a handler if its parameters are one of the supported shapes, else null
     * (with the RIC's line on stderr for a rejected overload). */
    private static Invocable shape(Class<?> cls, Method m) {
        Class<?>[] p = m.getParameterTypes();
        Type[] g = m.getGenericParameterTypes();
        boolean streaming = p.length > 0 && stream(p[0]) || p.length > 1 && stream(p[1]);
        if (p.length > 3) {
            return null;
        }
        if (p.length == 3 && !(p[0] == InputStream.class && p[1] == OutputStream.class
                && isContext(p[2]))) {
            return null;
        }
        if (p.length == 2 && !streaming && !isContext(p[1])) {
            System.err.println(
                    "Ignoring two-argument overload because second parameter type is not Context");
            return null;
        }
        if (p.length == 2 && streaming && !(p[0] == InputStream.class
                && (p[1] == OutputStream.class || isContext(p[1]))
                || p[0] == OutputStream.class && isContext(p[1]))) {
            return null;
        }
        if (streaming && m.getReturnType() != void.class) {
            System.err.println("Will ignore return type " + m.getReturnType() + " on byte stream handler");
        }
        Object instance = Modifier.isStatic(m.getModifiers()) ? null : instantiate(cls);
        boolean event = p.length > 0 && !isContext(p[0]) && !streaming;
        Type eventType = event ? g[0] : null;
        Type resultType = m.getGenericReturnType();
        return (input, context) -> {
            Object[] args = new Object[p.length];
            ByteArrayOutputStream out = null;
            for (int i = 0; i < p.length; i++) {
                if (p[i] == InputStream.class) {
                    args[i] = new ByteArrayInputStream(input);
                } else if (p[i] == OutputStream.class) {
                    out = new ByteArrayOutputStream();
                    args[i] = out;
                } else if (isContext(p[i])) {
                    args[i] = context;
                } else {
                    args[i] = deserialize(input, eventType);
                }
            }
            Object result;
            try {
                result = m.invoke(instance, args);
            } catch (InvocationTargetException e) {
                throw e.getCause(); // reflection wrappers are unwrapped before reporting
            }
            if (streaming) {
                return out != null ? out.toByteArray() : "null".getBytes(StandardCharsets.UTF_8);
            }
            return serialize(result, m.getReturnType() == void.class ? Void.class : resultType);
        };
    }

    // ----------------------------------------------------------------- serialization
    /** An empty payload fails for every type with Jackson's `No content to map due to
     * end-of-input`; what Lambda sends for an empty payload is UNCONFIRMED (java-runtime.md 4.3). */
    static Object deserialize(byte[] input, Type type) {
        try {
            return Json.bind(Json.parse(new String(input, StandardCharsets.UTF_8)), type);
        } catch (Json.MappingException e) {
            throw new RuntimeException("An error occurred during JSON parsing",
                    new UncheckedIOException(e));
        }
    }

    static byte[] serialize(Object value, Type type) {
        if (type == Void.class || type == void.class) {
            return "null".getBytes(StandardCharsets.UTF_8);
        }
        try {
            return Json.write(value).getBytes(StandardCharsets.UTF_8);
        } catch (RuntimeException | StackOverflowError e) {
            throw new RuntimeException("An error occurred during JSON serialization of response",
                    e);
        }
    }
}
