package com.acme.sms.api.message;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.ValidationResult;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/**
 * Whether a number in E.164 shape ({@code +} and 8 to 15 ASCII digits) is one some numbering plan can hold, by
 * Google's libphonenumber: a country calling code in use, a length that country's plan allows for numbers dialled
 * from abroad, not all zeros, and written canonically (no national prefix after the country code).
 *
 * <p>This is libphonenumber's "possible" check, not its "valid" one. Validity also checks the ranges an operator
 * has assigned, which change every month and refuse numbers that are fine to send to, such as the fictional ones
 * used in examples (+4917012345 is too short for a German mobile range but the right length for a German number).
 * What is refused here cannot be a number anywhere.
 */
public final class PhoneNumbers {

    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
    /** Parse as international only: a number without a known country code is an error, not a local number. */
    private static final String NO_REGION = "ZZ";

    private PhoneNumbers() {}

    /** Why the number can be no one's, or null when it can. Expects the E.164 shape already checked. */
    public static String problem(String e164) {
        PhoneNumber number;
        try {
            number = UTIL.parse(e164, NO_REGION);
        } catch (NumberParseException e) {
            return e.getErrorType() == NumberParseException.ErrorType.INVALID_COUNTRY_CODE
                    ? "it starts with no country code in use"
                    : "it is no phone number (" + e.getErrorType() + ")";
        }
        String national = UTIL.getNationalSignificantNumber(number);
        if (national.chars().allMatch(c -> c == '0')) {
            return "its digits after the country code are all zeros";
        }
        ValidationResult length = UTIL.isPossibleNumberWithReason(number);
        if (length != ValidationResult.IS_POSSIBLE) {
            return "its length does not fit the numbering plan of +" + number.getCountryCode()
                    + (length == ValidationResult.IS_POSSIBLE_LOCAL_ONLY ? " (a local number needs its area code)" : "");
        }
        String canonical = UTIL.format(number, PhoneNumberFormat.E164);
        if (!canonical.equals(e164)) {
            return "it is written with a national prefix; the number is " + canonical;
        }
        return null;
    }
}
