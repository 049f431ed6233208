package com.acme.sms.api.message.rest;

import com.acme.sms.text.TextAnalysis;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What a text will take when sent: the same analysis the worker stores as {@code segments} and splits by for the
 * SMSC, so a preview never disagrees with what is sent.
 */
public record TextPreview(
        @Schema(description = "GSM7 (7-bit GSM 03.38) when every character is in the GSM alphabet, else UCS2") String encoding,
        @Schema(description = "Characters (Unicode code points) of the text") int characters,
        @Schema(description = "What the encoding counts: septets for GSM7 (extension characters such as € [ ] { } count 2), UTF-16 units for UCS2 (emoji count 2)") int units,
        @Schema(description = "SMS parts the text is sent in") int segments,
        @Schema(description = "Units one part holds: 160 / 70 for a single part, 153 / 67 when concatenated") int perSegment,
        @Schema(description = "Units still free in the last part before another part is needed") int leftInLastSegment,
        @Schema(description = "The characters that forced UCS2, in order of first appearance; empty for GSM7") List<String> nonGsmCharacters) {

    static TextPreview of(String content, TextAnalysis a) {
        return new TextPreview(a.encoding().name(), content.codePointCount(0, content.length()), a.units(), a.segments(),
                a.perSegment(), a.leftInLastSegment(), a.nonGsmCharacters());
    }
}
