package com.acme.payments.config;


/** Reads the whole configuration once. */
public interface ConfigSource {
    /**
     * @throws ConfigException when a required value is missing or invalid, or the store is unreachable
     */
    AppConfig load();
}
