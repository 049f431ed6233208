package com.acme.sms.smsc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.acme.sms.smsc.SmscSettings.IdFormat;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SmscSettingsTest {

    @Test
    void flagsOverrideEnvironmentOverrideDefaults() {
        SmscSettings s = SmscSettings.parse(new String[] {"--port", "3775", "--password=pw", "--no-receipt-tlv",
            "--receipt-id-format", "decimal"}, Map.of("SMSC_PORT", "4775", "SMSC_TPS", "50", "SMSC_SYSTEM_ID", "acme"));

        assertThat(s.port()).isEqualTo(3775);
        assertThat(s.controlPort()).isEqualTo(2776);
        assertThat(s.systemId()).isEqualTo("acme");
        assertThat(s.password()).isEqualTo("pw");
        assertThat(s.tps()).isEqualTo(50);
        assertThat(s.receiptDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.idFormat()).isEqualTo(IdFormat.HEX);
        assertThat(s.receiptIdFormat()).isEqualTo(IdFormat.DECIMAL);
        assertThat(s.receiptTlvs()).isFalse();
    }

    @Test
    void badFlagsAreExplained() {
        assertThatThrownBy(() -> SmscSettings.parse(new String[] {"--prot", "1"}, Map.of()))
                .hasMessage("unknown flag --prot");
        assertThatThrownBy(() -> SmscSettings.parse(new String[] {"--tps", "many"}, Map.of()))
                .hasMessage("--tps must be a whole number, not many");
        assertThatThrownBy(() -> SmscSettings.parse(new String[] {"--id-format", "octal"}, Map.of()))
                .hasMessage("an id format is hex or decimal, not octal");
    }
}
