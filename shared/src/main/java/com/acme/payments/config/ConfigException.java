package com.acme.payments.config;

import com.acme.payments.domain.DependencyException;

/** Configuration is missing, invalid or unreachable. The API answers 503 (fail closed). */
public class ConfigException extends DependencyException {
    public ConfigException(String message, Throwable cause) {
        super(message, true, cause);
    }

    public ConfigException(String message) {
        this(message, null);
    }
}
