"""The task_aware groups of the e2e router YAML (appended to conftest.ROUTER_YAML; `{base}` is
the fake upstream). The fake upstream echoes the model name, so a reply names its deployment."""

TASK_AWARE_YAML = """
  routed:
    strategy: task_aware
    settings: {{num_retries: 0, allowed_fails: 1000}}
    deployments:
      - {{id: rt-coder, provider: openai_compatible, model: rt-coder, api_base: "{base}/v1", tasks: [code],
          features: [tool_call, json_mode], context_window: 16000}}
      - {{id: rt-chat, provider: openai_compatible, model: rt-chat, api_base: "{base}/v1",
          tasks: [chat, translation, long_document], features: [], context_window: 4000}}
  adaptive-errors:
    strategy: task_aware
    settings: {{num_retries: 0, allowed_fails: 1000}}
    deployments:
      - {{id: ae-steady, provider: openai_compatible, model: ae-steady, api_base: "{base}/v1"}}
      - {{id: ae-degrading, provider: openai_compatible, model: ae-degrading-after-8-fail-500,
          api_base: "{base}/v1"}}
  adaptive-latency:
    strategy: task_aware
    settings: {{num_retries: 0, allowed_fails: 1000}}
    deployments:
      - {{id: al-steady, provider: openai_compatible, model: al-steady, api_base: "{base}/v1"}}
      - {{id: al-slowing, provider: openai_compatible, model: al-slowing-after-8-delay-400,
          api_base: "{base}/v1"}}
"""
