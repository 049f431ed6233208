package com.acme.sms.api.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** docs/problem-codes.md lists exactly the codes the API can answer, with their statuses and titles. */
class ProblemCodeCatalogueTest {

    /** Surefire runs in the module's directory; the docs are the repository's. */
    static final Path DOC = Path.of("..", "docs", "problem-codes.md");

    @Test
    void theDocumentListsEveryCodeWithItsStatusAndTitle() throws IOException {
        List<String> documented = Files.readAllLines(DOC).stream()
                .filter(line -> line.startsWith("| `"))
                .map(line -> {
                    String[] cells = line.split("\\|");
                    return cells[1].trim().replace("`", "") + " | " + cells[2].trim() + " | " + cells[3].trim();
                })
                .toList();
        List<String> catalogue = Arrays.stream(ProblemCode.values())
                .map(c -> c.code() + " | " + c.status() + " | " + c.title())
                .toList();
        assertThat(documented)
                .as("docs/problem-codes.md must list, in the enum's order, these rows (code | status | title):%n%s",
                        catalogue.stream().map(r -> "| `" + r.replaceFirst(" \\|", "` |") + " | ... |")
                                .collect(Collectors.joining("\n")))
                .containsExactlyElementsOf(catalogue);
    }

    @Test
    void codesAreDistinctWireNames() {
        assertThat(new HashSet<>(Arrays.stream(ProblemCode.values()).map(ProblemCode::code).toList()))
                .hasSize(ProblemCode.values().length)
                .allSatisfy(code -> assertThat(code).matches("[a-z]+(-[a-z]+)*"));
        assertThat(ProblemCode.RATE_LIMITED.code()).isEqualTo("rate-limited");
        assertThat(ProblemCode.UNSUPPORTED_MEDIA_TYPE.title()).isEqualTo("Unsupported Media Type");
        assertThat(ProblemCode.BALANCE_LIMIT.title()).isEqualTo("Unprocessable Content");
    }
}
