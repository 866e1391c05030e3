package dev.topiary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sft and dpo end to end on stories260K with prompt/completion and preference files; bad rows. */
class AlignCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void sftThenDpoThenResume() throws Exception {
        String model = SharedFiles.require("models/stories260K-hf").toString();
        StringBuilder sft = new StringBuilder(), pref = new StringBuilder();
        String[] names = {"Lily", "Tom", "Sam", "Mia", "Ben", "Anna"};
        for (int i = 0; i < 24; i++) {
            String n = names[i % names.length];
            sft.append(String.format(
                    "{\"prompt\": \"Write about %s.\", \"completion\": \" %s went to the park and played with a ball.\"}%n",
                    n, n));
            pref.append(String.format(
                    "{\"prompt\": \"Write about %s.\", \"chosen\": \" %s was happy.\", \"rejected\": \" The dog ran away.\"}%n",
                    n, n));
        }
        Path sftFile = tmp.resolve("sft.jsonl"), prefFile = tmp.resolve("pref.jsonl");
        Files.writeString(sftFile, sft);
        Files.writeString(prefFile, pref);
        CommandsTest.Run r = CommandsTest.run(
                "sft",
                model,
                "--data",
                sftFile.toString(),
                "--out",
                tmp.resolve("sft").toString(),
                "--seq-len",
                "64",
                "--batch",
                "4",
                "--steps",
                "6",
                "--lr",
                "1e-3",
                "--eval-every",
                "3",
                "--val-fraction",
                "0.2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("24 examples").contains("packed").contains("trained tokens");
        r = CommandsTest.run(
                "dpo",
                tmp.resolve("sft/model").toString(),
                "--data",
                prefFile.toString(),
                "--out",
                tmp.resolve("dpo").toString(),
                "--seq-len",
                "32",
                "--batch",
                "4",
                "--steps",
                "8",
                "--lr",
                "1e-3",
                "--beta",
                "0.5",
                "--eval-every",
                "4",
                "--val-fraction",
                "0.2");
        assertThat(r.code()).as(r.err()).isZero();
        String metrics = Files.readString(tmp.resolve("dpo/metrics.jsonl"));
        assertThat(metrics).contains("reward_margin").contains("preference_accuracy");
        var lines = Files.readAllLines(tmp.resolve("dpo/metrics.jsonl"));
        var last = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.getLast());
        assertThat(last.get("preference_accuracy").asDouble()).isEqualTo(1.0);
        assertThat(last.get("reward_margin").asDouble()).isGreaterThan(0);
        // the same run with the policy's own folder as --ref (read mapped): the same model, bit for bit
        r = CommandsTest.run(
                "dpo",
                tmp.resolve("sft/model").toString(),
                "--ref",
                tmp.resolve("sft/model").toString(),
                "--data",
                prefFile.toString(),
                "--out",
                tmp.resolve("dpo-ref").toString(),
                "--seq-len",
                "32",
                "--batch",
                "4",
                "--steps",
                "8",
                "--lr",
                "1e-3",
                "--beta",
                "0.5",
                "--eval-every",
                "4",
                "--val-fraction",
                "0.2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(dev.topiary.io.HfCheckpoint.load(tmp.resolve("dpo-ref/model"))
                        .flat())
                .containsExactly(dev.topiary.io.HfCheckpoint.load(tmp.resolve("dpo/model"))
                        .flat());
    }

    @Test
    void badRowsNameFileLineAndField() throws Exception {
        String model = SharedFiles.require("models/stories260K-hf").toString();
        Path f = tmp.resolve("p.jsonl");
        Files.writeString(
                f,
                "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n{\"prompt\": \"a\", \"chosen\": \"same\", \"rejected\": \"same\"}\n");
        CommandsTest.Run r = CommandsTest.run(
                "dpo", model, "--data", f.toString(), "--out", tmp.resolve("o").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("p.jsonl").contains("line 2").contains("'chosen' and 'rejected'");
        assertThat(tmp.resolve("o")).doesNotExist();
        Files.writeString(f, "{\"prompt\": \"a\"}\n");
        r = CommandsTest.run(
                "sft", model, "--data", f.toString(), "--out", tmp.resolve("o").toString());
        assertThat(r.err()).contains("line 1").contains("'completion'");
        Files.writeString(f, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
        r = CommandsTest.run(
                "sft", model, "--data", f.toString(), "--out", tmp.resolve("o").toString());
        assertThat(r.err()).contains("line 1").contains("'messages'");
    }

    @Test
    void alignmentTasksAreAnsweredAndVerified() throws Exception {
        Path tasks = tmp.resolve("tasks.jsonl");
        Files.writeString(tasks, """
                {"type": "ifeval", "prompt": "Once upon a time", "instructions": [{"type": "max_words", "n": 400}, {"type": "include_words", "words": ["zebra"]}]}
                {"type": "function_call", "prompt": "Set a timer for 5 minutes.", "tools": [{"name": "set_timer", "description": "Start a timer", "parameters": {"type": "object", "properties": {"minutes": {"type": "integer"}}, "required": ["minutes"]}}], "expected": {"name": "set_timer", "arguments": {"minutes": [5]}}}
                {"type": "qa", "prompt": "Who had a red ball?", "passages": ["Lily had a red ball."], "answers": ["Lily"]}
                """);
        CommandsTest.Run r = CommandsTest.run(
                "eval",
                SharedFiles.require("models/stories260K-hf").toString(),
                "--task",
                tasks.toString(),
                "--max-new-tokens",
                "24");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsIgnoringCase("strict").containsIgnoringCase("f1");
    }

    @Test
    void sftOnConversationsUsesTheChatTemplate() throws Exception {
        String model = SharedFiles.require("models/stories260K-hf").toString();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 12; i++)
            b.append(
                    "{\"messages\": [{\"role\": \"system\", \"content\": \"Tell stories.\"}, {\"role\": \"user\", \"content\": \"A story about Lily.\"}, "
                            + "{\"role\": \"assistant\", \"content\": \"Lily played with a ball.\"}, {\"role\": \"user\", \"content\": \"More.\"}, "
                            + "{\"role\": \"assistant\", \"content\": \"She was happy.\"}]}\n");
        Path f = tmp.resolve("chats.jsonl");
        Files.writeString(f, b);
        CommandsTest.Run r = CommandsTest.run(
                "sft",
                model,
                "--data",
                f.toString(),
                "--out",
                tmp.resolve("chat").toString(),
                "--seq-len",
                "128",
                "--batch",
                "2",
                "--steps",
                "2",
                "--val-fraction",
                "0.3");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("chat template: llama2").contains("12 examples");

        var tok = dev.topiary.io.Models.tokenizer(java.nio.file.Path.of(model));
        var ex = new dev.topiary.align.ChatExamples(dev.topiary.chat.ChatTemplates.builtIn("llama2"), tok)
                .render(
                        new com.fasterxml.jackson.databind.ObjectMapper()
                                .readTree(
                                        "[{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello there\"}]"));
        StringBuilder trained = new StringBuilder();
        java.util.List<Integer> ids = new java.util.ArrayList<>();
        for (int i = 0; i < ex.tokens().length; i++) if (ex.trained()[i]) ids.add(ex.tokens()[i]);
        String text = tok.decode(ids.stream().mapToInt(Integer::intValue).toArray());
        assertThat(text).contains("Hello there").doesNotContain("Hi").doesNotContain("INST");
        assertThat(ex.tokens()[ex.tokens().length - 1]).isEqualTo(tok.eosId()); // </s> is learned too
        assertThat(ex.trained()[ex.tokens().length - 1]).isTrue();

        Files.writeString(f, "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}\n");
        r = CommandsTest.run(
                "sft",
                model,
                "--data",
                f.toString(),
                "--out",
                tmp.resolve("bad").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err())
                .contains("chats.jsonl")
                .contains("line 1")
                .contains("'messages'")
                .contains("robot");
    }

    @Test
    void dpoOnConversationsAndSftResumesExactly() throws Exception {
        String model = SharedFiles.require("models/stories260K-hf").toString();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++)
            b.append(
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"Who had the ball?\"}], \"chosen\": \"Lily had it.\", \"rejected\": \"The sky.\"}\n");
        Path f = tmp.resolve("pm.jsonl");
        Files.writeString(f, b);
        CommandsTest.Run r = CommandsTest.run(
                "dpo",
                model,
                "--data",
                f.toString(),
                "--out",
                tmp.resolve("pm").toString(),
                "--seq-len",
                "48",
                "--batch",
                "2",
                "--steps",
                "2",
                "--val-fraction",
                "0.25");
        assertThat(r.code()).as(r.err()).isZero();

        // SFT on packed examples (document masks in attention) stops and resumes bit for bit
        var w1 = dev.topiary.model.Init.normal(dev.topiary.align.SftPackerTest.C, 3, 0.3);
        var w2 = dev.topiary.model.Init.normal(dev.topiary.align.SftPackerTest.C, 3, 0.3);
        java.util.List<dev.topiary.align.SftPacker.Example> ex = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int n = 5 + i % 7;
            int[] t = new int[n];
            boolean[] m = new boolean[n];
            for (int j = 0; j < n; j++) {
                t[j] = (i * 7 + j * 3) % 40;
                m[j] = j >= n / 2;
            }
            ex.add(new dev.topiary.align.SftPacker.Example(t, m));
        }
        var o = new dev.topiary.train.TrainOptions(
                24, 2, 1, 10, 3e-3f, 3e-4f, 1, 0.1f, 0.9f, 0.95f, 1e-8f, 1f, 5, 0, 0, 4, false);
        new dev.topiary.train.Trainer(
                        w1,
                        dev.topiary.align.SftPacker.pack(ex, 24, true, 0, 0.1, 5)
                                .data(),
                        o,
                        tmp.resolve("s1"),
                        null)
                .run(new dev.topiary.train.Trainer.Listener() {});
        var t2 = new dev.topiary.train.Trainer(
                w2, dev.topiary.align.SftPacker.pack(ex, 24, true, 0, 0.1, 5).data(), o, tmp.resolve("s2"), null);
        t2.run(new dev.topiary.train.Trainer.Listener() {
            @Override
            public void step(long step, double loss, float lr, double gn, double tps) {
                if (step == 4) t2.requestStop();
            }
        });
        var w3 = dev.topiary.model.Init.normal(dev.topiary.align.SftPackerTest.C, 99, 0.3);
        var t3 = new dev.topiary.train.Trainer(
                w3, dev.topiary.align.SftPacker.pack(ex, 24, true, 0, 0.1, 5).data(), o, tmp.resolve("s2"), null);
        t3.resume();
        t3.run(new dev.topiary.train.Trainer.Listener() {});
        assertThat(w3.flat()).containsExactly(w1.flat());
    }
}
