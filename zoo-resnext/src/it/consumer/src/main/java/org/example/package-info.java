/** A user's program built against the installed zoo-resnext artifact (the Maven invoker test of the packaging). */
package org.example;
