package com.acme.sms.text;

import java.util.List;

/**
 * What a text costs, as the API previews it and as {@code segments} is stored: the same numbers the SMSC will bill.
 *
 * @param units septets for GSM7 (extension characters count 2), UTF-16 code units for UCS2
 * @param segments parts the text is sent in; 1 for the empty text
 * @param perSegment units one part holds: the single-part limit when one part, else the multi-part one
 * @param leftInLastSegment units still free in the last part, so a user can see how close the next part is
 * @param nonGsmCharacters the distinct characters that forced UCS2, in order of first appearance, so a user can
 *        replace them; empty for GSM7
 */
public record TextAnalysis(SmsEncoding encoding, int units, int segments, int perSegment, int leftInLastSegment,
        List<String> nonGsmCharacters) {

    public TextAnalysis {
        nonGsmCharacters = List.copyOf(nonGsmCharacters);
    }
}
