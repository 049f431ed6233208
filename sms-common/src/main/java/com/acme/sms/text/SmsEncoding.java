package com.acme.sms.text;

/** The two alphabets a handset is sure to read; anything else is a gamble on the SMSC and the phone. */
public enum SmsEncoding {
    /** GSM 03.38 default alphabet, one unpacked septet per byte, 0x1B escaping into the extension table. */
    GSM7((byte) 0x00, 160, 153),
    /** UTF-16BE: characters outside the BMP cost two units. */
    UCS2((byte) 0x08, 70, 67);

    private final byte dataCoding;
    private final int singlePartLimit;
    private final int multiPartLimit;

    SmsEncoding(byte dataCoding, int singlePartLimit, int multiPartLimit) {
        this.dataCoding = dataCoding;
        this.singlePartLimit = singlePartLimit;
        this.multiPartLimit = multiPartLimit;
    }

    /** The SMPP data_coding of submit_sm. */
    public byte dataCoding() {
        return dataCoding;
    }

    /** Units (septets or UTF-16 code units) in 140 bytes. */
    public int singlePartLimit() {
        return singlePartLimit;
    }

    /** Units per part once the 6-byte concatenation UDH takes its share of the 140 bytes. */
    public int multiPartLimit() {
        return multiPartLimit;
    }
}
