package com.acme.payments.port;

import com.acme.payments.config.AppConfig;
import com.acme.payments.config.ConfigException;

/** Reads the whole configuration once. */
public interface ConfigSource {
    /**
     * @throws ConfigException when a required value is missing or invalid, or the store is unreachable
     */
    AppConfig load();
}
