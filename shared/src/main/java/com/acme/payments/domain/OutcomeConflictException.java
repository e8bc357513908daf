package com.acme.payments.domain;

/**
 * The processor reported an outcome that contradicts the one already recorded for the same call (we recorded
 * "never reached the processor" and it later approved, say). This means our records and the processor's ledger
 * disagree: it is never swallowed, it is logged as an alarm and answered as a server fault.
 */
public class OutcomeConflictException extends PaymentException {
    public OutcomeConflictException(String paymentId, String attemptId, String recorded, String reported) {
        super("outcome conflict on payment " + paymentId + " attempt " + attemptId + ": recorded " + recorded
                + ", processor reported " + reported);
    }
}
