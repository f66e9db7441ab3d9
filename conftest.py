# nameko's test tools and the services run on eventlet: patch before anything imports sockets.
import eventlet

eventlet.monkey_patch()
