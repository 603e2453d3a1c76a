namespace AgentOperator.DevCluster.Tests.CustomResources;

/// <summary>A small test CRD exercising what custom resources can declare: schema with defaults, enum, minimum and a CEL rule; status and scale subresources; printer columns; short names and categories.</summary>
internal static class WidgetCrd
{
    public const string Yaml = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.example.com
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd], categories: [gadgets]}
          versions:
          - name: v1
            served: true
            storage: true
            subresources:
              status: {}
              scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
            additionalPrinterColumns:
            - {name: Size, type: integer, jsonPath: .spec.size}
            - {name: Phase, type: string, jsonPath: .status.phase}
            - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
            - {name: Due, type: date, jsonPath: .spec.due, priority: 1}
            schema:
              openAPIV3Schema:
                type: object
                description: A widget for tests.
                properties:
                  spec:
                    type: object
                    description: What the widget should be.
                    properties:
                      size: {type: integer, minimum: 1, default: 3, description: How big the widget is.}
                      replicas: {type: integer}
                      color: {type: string, enum: [red, blue]}
                      due: {type: string, format: date-time}
                    x-kubernetes-validations:
                    - rule: "self.size <= 10"
                      message: size must be at most 10
                  status:
                    type: object
                    properties:
                      phase: {type: string}
                      replicas: {type: integer}
        """;
}
