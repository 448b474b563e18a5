"""The composition root binds the channel by configuration: Redis with REDIS_URL, else in-process."""
from internal.core.agent.runner import AgentRunner
from internal.core.streaming import InProcessStreamChannel, RedisStreamChannel, StreamChannel, TaskOwner


def test_production_config_binds_the_redis_channel(app):
    injector = app.extensions["injector"]
    channel = injector.get(StreamChannel)
    assert isinstance(channel, RedisStreamChannel)
    assert injector.get(AgentRunner).channel is channel
    channel.set_owner("module-test", TaskOwner.account("a"))
    assert channel.owner_of("module-test") == "account:a"       # really talks to the configured Redis


def test_embedded_config_binds_the_in_process_channel(sqlite_app):
    assert isinstance(sqlite_app.extensions["injector"].get(StreamChannel), InProcessStreamChannel)
