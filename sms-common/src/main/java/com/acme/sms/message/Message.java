package com.acme.sms.message;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * One message in its final (or retry-waiting) state. Rows are written by the workers only, once per message id
 * and attempt, then moved on once by its delivery receipt; the API reads them for the sent-log.
 */
@Entity
@Table(name = "messages")
public class Message extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "client_id", nullable = false)
    public String clientId;

    @Column(nullable = false)
    public String type;

    @Column(name = "to_number", nullable = false)
    public String toNumber;

    @Column(name = "from_number", nullable = false)
    public String fromNumber;

    @Column(nullable = false)
    public String content;

    /**
     * What the worker recorded: queued, sent or failed. What a receipt said of a sent message (delivered or
     * undelivered) is in message_outcomes (V7), and the API shows it as the status.
     */
    @Column(nullable = false)
    public String status;

    @Column(name = "queued_at", nullable = false)
    public OffsetDateTime queuedAt;

    @Column(name = "updated_at", nullable = false)
    public OffsetDateTime updatedAt;

    @Column(name = "error_message")
    public String errorMessage;

    @Column(nullable = false)
    public int attempts;

    /** SMS parts the text takes (concatenated when more than one). */
    @Column(nullable = false)
    public int segments;

    /** The provider's id of the message (of its first part), which its receipts carry. */
    @Column(name = "provider_message_id")
    public String providerMessageId;

    /** When the provider took it (null until then, and for a message it never took). */
    @Column(name = "sent_at")
    public OffsetDateTime sentAt;

    /** The provider's error code for a refused send (an SMPP command status); a receipt's is in message_outcomes. */
    @Column(name = "error_code")
    public String errorCode;
}
