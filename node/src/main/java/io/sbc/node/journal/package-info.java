/**
 * The journal database beside the persistence plugin: schema creation, the janitor of ended
 * calls, the waker of established ones, and the names of older events. Uses dialog only.
 */
package io.sbc.node.journal;
