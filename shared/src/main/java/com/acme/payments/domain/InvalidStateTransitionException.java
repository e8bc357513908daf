package com.acme.payments.domain;

/** The operation is not allowed in the payment's current state; {@link #reason()} says which rule refused it. */
public class InvalidStateTransitionException extends PaymentException {
    /** Why a transition was refused. Callers branch on this, never on the message. */
    public enum Reason {
        /** The payment's status does not allow the operation (capture of a refunded payment, say). */
        NOT_ALLOWED_IN_STATUS,
        /** Another capture, cancel or authorization is still waiting for the processor. */
        OPERATION_IN_PROGRESS,
        /** The refund is larger than what is captured and not yet refunded or held by a pending refund. */
        EXCEEDS_REFUNDABLE,
        /** The payment has as many refunds or attempts as one payment may hold. */
        LIMIT_REACHED
    }

    private final PaymentStatus currentStatus;
    private final Reason reason;

    public InvalidStateTransitionException(PaymentStatus currentStatus, Reason reason, String detail) {
        super(detail);
        this.currentStatus = currentStatus;
        this.reason = reason;
    }

    public PaymentStatus currentStatus() {
        return currentStatus;
    }

    public Reason reason() {
        return reason;
    }
}
