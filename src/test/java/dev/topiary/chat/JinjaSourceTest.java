// JinjaSourceTest: the rewrite that gives jinjava Jinja's precedence for `not`, and the filter/test scan.
package dev.topiary.chat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JinjaSourceTest {
    @Test
    void notTakesEverythingUpToAndOr() {
        assertThat(JinjaSource.fixNotPrecedence("{%- if not tools is defined %}x{% endif %}"))
                .isEqualTo("{%- if not (tools is defined) %}x{% endif %}");
        assertThat(JinjaSource.fixNotPrecedence("{%- if not message.tool_calls|length == 1 -%}"))
                .isEqualTo("{%- if not (message.tool_calls|length == 1) -%}");
        assertThat(JinjaSource.fixNotPrecedence("{% if not (a or b) and not c is none or d %}"))
                .isEqualTo("{% if not ((a or b)) and not (c is none) or d %}");
        assertThat(JinjaSource.fixNotPrecedence("{{- x if not y['k'] == 'no' else z -}}"))
                .isEqualTo("{{- x if not (y['k'] == 'no') else z -}}");
        assertThat(JinjaSource.fixNotPrecedence("{{ f(not a, b) }}{% if x is not none and y not in z %}"))
                .isEqualTo("{{ f(not (a), b) }}{% if x is not none and y not in z %}");
        assertThat(JinjaSource.fixNotPrecedence("{% if not not a %}")).isEqualTo("{% if not (not (a)) %}");
        // text, strings and comments are left alone
        String untouched = "not a is b {{ 'not x is y' }}{# not z is defined #}{% set d = {'k': {'j': 1}} %}";
        assertThat(JinjaSource.fixNotPrecedence(untouched)).isEqualTo(untouched);
    }

    @Test
    void listsFiltersAndTests() {
        String s =
                "{{ a | trim | tojson(indent=4) }}{% if b is not none and c is defined or d || e %}{{ '| fake' }}{% endif %}";
        assertThat(JinjaSource.filters(s)).containsExactly("trim", "tojson");
        assertThat(JinjaSource.tests(s)).containsExactly("none", "defined");
    }
}
