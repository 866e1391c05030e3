// JinjaPython: Python's str methods (startswith, strip, split, ...) for jinjava, which otherwise sees Java's String.
package dev.topiary.chat;

import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/** An EL resolver that answers Python string method calls, in front of jinjava's own resolver. */
final class JinjaPython extends ELResolver {
    private JinjaPython() {}

    static ELResolver resolver() {
        CompositeELResolver r = new CompositeELResolver();
        r.add(new JinjaPython());
        r.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        return r;
    }

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) return null;
        Object[] p = params == null ? new Object[0] : params;
        Object result = call(s, method.toString(), p);
        if (result == NOT_HANDLED) return null;
        context.setPropertyResolved(true);
        return result;
    }

    private static final Object NOT_HANDLED = new Object();

    private static Object call(String s, String method, Object[] p) {
        switch (method) {
            case "startswith", "endswith" -> {
                if (p.length != 1) return NOT_HANDLED;
                List<String> options = p[0] instanceof Collection<?> c
                        ? c.stream().map(String::valueOf).toList()
                        : List.of(String.valueOf(p[0]));
                for (String o : options) if (method.equals("startswith") ? s.startsWith(o) : s.endsWith(o)) return true;
                return false;
            }
            case "strip", "lstrip", "rstrip" -> {
                if (p.length == 0 || p[0] == null) {
                    return method.equals("strip")
                            ? PyStr.strip(s)
                            : method.equals("lstrip") ? PyStr.lstrip(s) : PyStr.rstrip(s);
                }
                String chars = String.valueOf(p[0]);
                int a = 0, b = s.length();
                if (!method.equals("rstrip")) while (a < b && chars.indexOf(s.charAt(a)) >= 0) a++;
                if (!method.equals("lstrip")) while (b > a && chars.indexOf(s.charAt(b - 1)) >= 0) b--;
                return s.substring(a, b);
            }
            case "upper" -> {
                return s.toUpperCase(Locale.ROOT);
            }
            case "lower" -> {
                return s.toLowerCase(Locale.ROOT);
            }
            case "capitalize" -> {
                return s.isEmpty()
                        ? s
                        : s.substring(0, 1).toUpperCase(Locale.ROOT)
                                + s.substring(1).toLowerCase(Locale.ROOT);
            }
            case "title" -> {
                StringBuilder out = new StringBuilder();
                boolean prevLetter = false;
                for (char c : s.toCharArray()) {
                    out.append(prevLetter ? Character.toLowerCase(c) : Character.toUpperCase(c));
                    prevLetter = Character.isLetter(c);
                }
                return out.toString();
            }
            case "split" -> {
                int max = p.length > 1 && p[1] instanceof Number n ? n.intValue() : -1;
                if (p.length == 0 || p[0] == null) {
                    List<String> out = new ArrayList<>();
                    for (String w : PyStr.strip(s)
                            .split(
                                    "[\\s\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\u001c-\\u001f]+",
                                    max < 0 ? 0 : max + 1)) if (!w.isEmpty()) out.add(w);
                    return out;
                }
                String sep = String.valueOf(p[0]);
                if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
                List<String> out = new ArrayList<>();
                int from = 0;
                while (max < 0 || out.size() < max) {
                    int at = s.indexOf(sep, from);
                    if (at < 0) break;
                    out.add(s.substring(from, at));
                    from = at + sep.length();
                }
                out.add(s.substring(from));
                return out;
            }
            case "replace" -> {
                if (p.length < 2) return NOT_HANDLED;
                String old = String.valueOf(p[0]), rep = String.valueOf(p[1]);
                int count = p.length > 2 && p[2] instanceof Number n ? n.intValue() : -1;
                if (count < 0) return s.replace(old, rep);
                StringBuilder out = new StringBuilder();
                int from = 0;
                for (int k = 0; k < count; k++) {
                    int at = s.indexOf(old, from);
                    if (at < 0) break;
                    out.append(s, from, at).append(rep);
                    from = at + old.length();
                }
                return out.append(s.substring(from)).toString();
            }
            case "find" -> {
                return p.length == 1 ? (long) s.indexOf(String.valueOf(p[0])) : NOT_HANDLED;
            }
            case "count" -> {
                if (p.length != 1) return NOT_HANDLED;
                String sub = String.valueOf(p[0]);
                if (sub.isEmpty()) return (long) s.length() + 1;
                long n = 0;
                for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
                return n;
            }
            case "join" -> {
                if (p.length != 1) return NOT_HANDLED;
                Iterable<?> items =
                        p[0] instanceof Iterable<?> it ? it : p[0] instanceof Object[] a ? Arrays.asList(a) : null;
                if (items == null) return NOT_HANDLED;
                StringBuilder out = new StringBuilder();
                boolean first = true;
                for (Object o : items) {
                    if (!first) out.append(s);
                    first = false;
                    out.append(o);
                }
                return out.toString();
            }
            default -> {
                return NOT_HANDLED;
            }
        }
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}
}
