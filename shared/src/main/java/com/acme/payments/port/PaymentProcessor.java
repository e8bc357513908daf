package com.acme.payments.port;

/**
 * The card processor. Every call carries an idempotency key derived from our own ids, so re-sending a call
 * whose answer was lost can never move money twice.
 *
 * <p>Implementations never throw for processor answers: declines, errors and timeouts are {@link Result}s.
 */
public interface PaymentProcessor {

    Result authorize(AuthorizeRequest request);

    Result capture(String authorizationReference, long amount, String currency, String idempotencyKey);

    Result voidAuthorization(String authorizationReference, String idempotencyKey);

    Result refund(String authorizationReference, long amount, String currency, String idempotencyKey);

    /** The recorded outcome of an earlier call with this key; {@link Result.NotFound} if it never arrived. */
    Result lookup(String idempotencyKey);

    /** {@code paymentMethod} is the client's token; it is sent to the processor and nowhere else. */
    record AuthorizeRequest(String paymentId, long amount, String currency, String paymentMethod, boolean capture,
                            String idempotencyKey) {
        @Override
        public String toString() {
            return "AuthorizeRequest[paymentId=" + paymentId + ", amount=" + amount + ", currency=" + currency
                    + ", capture=" + capture + "]";
        }
    }

    /** What the processor said. */
    sealed interface Result {
        record Approved(String reference) implements Result { }

        record Declined(String reason) implements Result { }

        /** The processor answered with an error: nothing was done (and a re-send of the key gets the same). */
        record Failed(String reason) implements Result { }

        /**
         * The call never left (the connection could not be opened). Says nothing about earlier sends of the same
         * key, so it settles an attempt only if this was its only send.
         */
        record NotSent(String reason) implements Result { }

        /** No answer in time: the outcome is unknown and must be reconciled, never assumed. */
        record Unknown(String reason) implements Result { }

        /** Only from {@link #lookup}: the processor never saw the call. */
        record NotFound() implements Result { }
    }
}
