// The five API resources (docs/api.md, "Resources"): their bodies, filters and
// writes, each through the same data function as its form, so the API keeps
// every rule the forms keep (same project, different entities, one address
// family, moves) with the same messages.
import type { Router } from "express";
import type { z } from "zod";
import type { ApiCommunication, ApiResourceName } from "../data/api-objects.js";
import { createCommunication, deleteCommunication, updateCommunication } from "../data/communications.js";
import type { Database } from "../data/engine.js";
import { createEntity, deleteEntity, EntityMoveError, updateEntity } from "../data/entities.js";
import {
  createInterface,
  deleteInterface,
  getInterface,
  InterfaceFamilyError,
  InterfaceMoveError,
  updateInterface,
} from "../data/interfaces.js";
import { createLocation, deleteLocation, updateLocation } from "../data/locations.js";
import { createProject, deleteProject, updateProject } from "../data/projects.js";
import {
  type CommunicationBody,
  communicationBody,
  type EntityBody,
  entityBody,
  type InterfaceBody,
  interfaceBody,
  locationBody,
  projectBody,
} from "../validation/api.js";
import { ApiError, type FieldErrors } from "./errors.js";
import { type ResourceSpec, resourceRouter } from "./resource.js";

export const projectsSpec: ResourceSpec<"projects", typeof projectBody> = {
  name: "projects",
  resource: "project",
  noun: "project",
  body: projectBody,
  filters: ["location"],
  create: async (db, data) => (await createProject(db, data)).id,
  update: async (db, id, data) => (await updateProject(db, id, data)) !== null,
  remove: deleteProject,
  duplicate: () => ({ name: "A project with this name already exists." }),
};

export const locationsSpec: ResourceSpec<"locations", typeof locationBody> = {
  name: "locations",
  resource: "location",
  noun: "location",
  body: locationBody,
  filters: ["project"],
  create: async (db, data) => (await createLocation(db, data)).id,
  update: async (db, id, data) => (await updateLocation(db, id, data)) !== null,
  remove: deleteLocation,
  duplicate: () => ({ name: "A location with this name already exists." }),
};

const entityInput = (data: EntityBody) => ({
  name: data.name,
  description: data.description,
  projectId: data.project,
  locationId: data.location,
  restrictOutgoing: data.restrictOutgoing,
});

export const entitiesSpec: ResourceSpec<"entities", typeof entityBody> = {
  name: "entities",
  resource: "entity",
  noun: "entity",
  body: entityBody,
  filters: ["project", "location"],
  create: async (db, data) => (await createEntity(db, entityInput(data))).id,
  update: async (db, id, data) => (await updateEntity(db, id, entityInput(data))) !== null,
  remove: deleteEntity,
  duplicate: () => ({ name: "An entity with this name already exists in this project." }),
  conflicts: [EntityMoveError],
};

const interfaceInput = (data: InterfaceBody) => ({
  name: data.name,
  description: data.description,
  entityId: data.entity,
  address: data.address,
  netmask: data.netmask,
});

export const interfacesSpec: ResourceSpec<"interfaces", typeof interfaceBody> = {
  name: "interfaces",
  resource: "interface",
  noun: "interface",
  body: interfaceBody,
  filters: ["project", "location", "entity"],
  create: async (db, data) => (await createInterface(db, interfaceInput(data))).id,
  update: async (db, id, data) => (await updateInterface(db, id, interfaceInput(data))) !== null,
  remove: deleteInterface,
  duplicate: (columns): FieldErrors =>
    columns.includes("address")
      ? { address: "This entity already has an interface with this address and netmask." }
      : { name: "This entity already has an interface with this name." },
  conflicts: [InterfaceMoveError, InterfaceFamilyError],
};

const communicationInput = (data: CommunicationBody) => ({
  sourceId: data.source,
  destinationId: data.destination,
  protocol: data.protocol,
  port: data.port,
  portEnd: data.portEnd,
  description: data.description,
  requestedBy: data.requestedBy,
  reference: data.reference,
  expires: data.expires,
});

/** A flow belongs to the project of its source interface (both ends must be in it). */
async function sourceProject(db: Database, sourceId: number): Promise<number> {
  const source = await getInterface(db, sourceId);
  if (!source) {
    const message = `No interface has the id ${sourceId}.`;
    throw new ApiError(422, message, { source: message });
  }
  return source.entity.projectId;
}

export const communicationsSpec: ResourceSpec<"communications", typeof communicationBody> = {
  name: "communications",
  resource: "communication",
  noun: "communication",
  body: communicationBody,
  filters: ["project", "location", "entity"],
  create: async (db, data) => createCommunication(db, await sourceProject(db, data.source), communicationInput(data)),
  // A flow stays in its project: new ends must be interfaces of it.
  update: async (db, id, data, current: ApiCommunication) =>
    updateCommunication(db, id, await sourceProject(db, current.source), communicationInput(data)),
  remove: deleteCommunication,
  duplicate: () => ({
    port: "This communication (same source, destination, protocol and port or port range) already exists.",
  }),
};

/** What the OpenAPI document needs of every resource. */
export type ResourceSummary = Pick<
  ResourceSpec<ApiResourceName, z.ZodType>,
  "name" | "resource" | "noun" | "body" | "filters"
>;

export const API_RESOURCES: readonly ResourceSummary[] = [
  projectsSpec,
  locationsSpec,
  entitiesSpec,
  interfacesSpec,
  communicationsSpec,
];

/** The routes of every resource. */
export function resourceRouters(db: Database): Router[] {
  return [
    resourceRouter(db, projectsSpec),
    resourceRouter(db, locationsSpec),
    resourceRouter(db, entitiesSpec),
    resourceRouter(db, interfacesSpec),
    resourceRouter(db, communicationsSpec),
  ];
}
